import { EmulatorUser } from './emulator';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The emulator's consent page: an account picker and Agree / Cancel, like Spotify's. */
export function SCRIPT_APPROVE_PAGE(p: { id: string; appName: string; scopes: string[]; users: readonly EmulatorUser[]; selected?: string }): string {
  const users = p.users
    .map((u) => `<option value="${esc(u.id)}"${u.id === p.selected ? ' selected' : ''}>${esc(u.displayName ?? u.id)}</option>`)
    .join('');
  const scopes = p.scopes.map((s) => `<li>${esc(s)}</li>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Spotify Emulator – Authorize</title>
<style>body{font-family:sans-serif;background:#121212;color:#fff;display:flex;justify-content:center;padding-top:40px}
main{background:#242424;padding:32px;border-radius:8px;width:420px}button{padding:10px 24px;border-radius:20px;border:0;font-weight:bold;margin-right:8px}
#approve{background:#1ed760}#deny{background:#555;color:#fff}</style></head>
<body><main><h1>Spotify Emulator</h1><p><b>${esc(p.appName)}</b> would like to:</p><ul>${scopes || '<li>read your public profile</li>'}</ul>
<form method="post" action="/authorize/decision"><input type="hidden" name="id" value="${esc(p.id)}">
<p><label>Account <select name="user" id="user">${users}</select></label></p>
<button id="approve" name="decision" value="approve" type="submit">Agree</button>
<button id="deny" name="decision" value="deny" type="submit">Cancel</button></form></main></body></html>`;
}

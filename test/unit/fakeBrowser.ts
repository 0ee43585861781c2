import { RelayAppend, relayRedirect } from '../emulator/relay';

/** Relay pages the browser "visits" in-process, as vscode.dev/redirect would answer (../emulator/relay.ts). */
export const RELAY_PAGES = ['https://vscode.dev/redirect', 'https://insiders.vscode.dev/redirect'];

/**
 * A scripted browser for unit tests: opens the authorize URL on the emulator, approves or denies
 * on its consent page (or takes its auto-approval), follows a relay page when Spotify redirects to
 * one, and hands the final redirect to `deliver`, as the OS hands a vscode:// link to VS Code's URI
 * handler.
 */
export interface FakeBrowserOptions {
  /** What the user does on the consent page. */
  decision?: 'approve' | 'deny';
  user?: string;
  /** Called with the redirect URL Spotify sends the browser to. */
  deliver(url: string): void;
  /** Change the redirect before delivering (tamper tests). */
  rewrite?(url: string): string;
  /** How the relay page appends the provider's parameters; `encoded` by default. */
  relayAppend?: RelayAppend;
}

export class FakeBrowser {
  readonly opened: string[] = [];
  readonly pages: string[] = [];
  /** Every redirect Spotify answered with, before any relay. */
  readonly redirects: string[] = [];
  private cookie = '';

  constructor(public opts: FakeBrowserOptions) {}

  async open(url: string): Promise<boolean> {
    this.opened.push(url);
    let res = await fetch(url, { redirect: 'manual', headers: { cookie: this.cookie } });
    if (res.status === 200 && (res.headers.get('content-type') ?? '').includes('text/html')) {
      const html = await res.text();
      this.pages.push(html);
      const id = /name="id" value="([^"]+)"/.exec(html)?.[1] ?? '';
      const body = new URLSearchParams({ id, decision: this.opts.decision ?? 'approve', user: this.opts.user ?? 'emu-alice' });
      res = await fetch(new URL('/authorize/decision', url).toString(), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      const set = res.headers.get('set-cookie');
      if (set) {
        this.cookie = set.split(';')[0];
      }
    }
    if (res.status !== 302) {
      // Spotify shows an error page (e.g. INVALID_CLIENT) and never comes back.
      this.pages.push(await res.text());
      return true;
    }
    let location = res.headers.get('location')!;
    this.redirects.push(location);
    if (RELAY_PAGES.includes(location.split('?')[0])) {
      const answer = relayRedirect(new URL(location), this.opts.relayAppend);
      if ('page' in answer) {
        this.pages.push(answer.page);
        return true;
      }
      location = answer.location;
    }
    const final = this.opts.rewrite ? this.opts.rewrite(location) : location;
    setTimeout(() => this.opts.deliver(final), 0);
    return true;
  }
}

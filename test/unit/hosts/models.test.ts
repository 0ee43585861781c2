import * as assert from 'assert';
import { codespacesModel, desktopModel, webModel } from './models';

const EXT = 'pub.ext';

/**
 * The models themselves, against what each host's source does: what asExternalUri returns, and what
 * query the extension's UriHandler gets for a link. The decoding is the point: desktop hands over
 * the query decoded once (VS Code's URI.parse), web hosts hand over what their callback page
 * serialised again.
 */
describe('host models (modelled): how each host hands a URI to the UriHandler', () => {
  it('desktop (modelled): asExternalUri appends windowId to the query, in the readable form', () => {
    const m = desktopModel('desktop (modelled)', 'vscode');
    assert.strictEqual(m.asExternalUri(`vscode://${EXT}/callback`, 0), `vscode://${EXT}/callback?windowId=1`);
    assert.strictEqual(m.asExternalUri(`vscode://${EXT}/callback?nonce=ab12`, 2), `vscode://${EXT}/callback?nonce=ab12&windowId=3`);
    assert.strictEqual(m.asExternalUri('http://127.0.0.1:5000/callback', 0), 'http://127.0.0.1:5000/callback', 'a local loopback address is unchanged');
  });

  it('desktop (modelled): the handler\'s uri.query is percent-decoded once (%253A arrives as %3A)', () => {
    const m = desktopModel('desktop (modelled)', 'vscode');
    const d = m.deliver(`vscode://${EXT}/callback?state=a%253A&code=C&windowId=1`)!;
    assert.deepStrictEqual(d, { window: 0, path: '/callback', query: 'state=a%3A&code=C&windowId=1' });
    // So a handler that parses the query decodes a second time: what was sent as `a%3A` reads `a:`.
    assert.strictEqual(new URLSearchParams(d.query).get('state'), 'a:');
    // An escaped `&` becomes a real one: one sent parameter turns into two.
    const split = m.deliver(`vscode://${EXT}/callback?state=x%26windowId%3D2`)!;
    assert.strictEqual(split.query, 'state=x&windowId=2');
    assert.deepStrictEqual([...new URLSearchParams(split.query)], [['state', 'x'], ['windowId', '2']]);
  });

  it('desktop (modelled): routed by the first windowId of the decoded query, else to the last active window', () => {
    const m = desktopModel('desktop (modelled)', 'vscode');
    m.lastActiveWindow = 4;
    assert.strictEqual(m.deliver(`vscode://${EXT}/callback?code=C`)!.window, 4);
    assert.strictEqual(m.deliver(`vscode://${EXT}/callback?nonce=n&windowId=2&code=C&windowId=7`)!.window, 1);
    assert.strictEqual(m.deliver(`vscode://${EXT}/callback?state=y%26windowId%3D3`)!.window, 2, 'an escaped windowId counts once decoded');
    assert.strictEqual(m.deliver(`vscode-insiders://${EXT}/callback?code=C`), undefined, 'another editor\'s scheme');
  });

  it('vscode.dev (modelled): asExternalUri gives its callback page with each component encoded', () => {
    const m = webModel('vscode.dev (modelled)', 'vscode', 'https://vscode.dev', { remoteExtensionHost: false, webUi: true, webWorkerExtensionHost: true });
    assert.strictEqual(
      m.asExternalUri(`vscode://${EXT}/callback?nonce=ab12`, 0),
      `https://vscode.dev/callback?vscode-reqid=1&vscode-scheme=vscode&vscode-authority=${EXT}&vscode-path=%2Fcallback&vscode-query=nonce%3Dab12`,
    );
  });

  it('web (modelled): the callback page merges, and the handler\'s query decodes to what was sent (%253A reads %3A)', () => {
    const m = webModel('code-server (modelled)', 'code-oss', 'http://127.0.0.1:8080/stable-0123abc', { remoteExtensionHost: true, webUi: true, webWorkerExtensionHost: false });
    const callback = m.asExternalUri(`code-oss://${EXT}/callback?nonce=ab12`, 1);
    assert.strictEqual(
      callback,
      `http://127.0.0.1:8080/stable-0123abc/callback?vscode-reqid=1&vscode-scheme=code-oss&vscode-authority=${EXT}&vscode-path=%2Fcallback&vscode-query=nonce%3Dab12`,
    );
    const d = m.deliver(`${callback}&code=C&state=a%253A`)!;
    assert.strictEqual(d.window, 1);
    assert.strictEqual(d.path, '/callback');
    assert.strictEqual(d.query, 'code=C&state=a%253A&nonce=ab12');
    assert.strictEqual(new URLSearchParams(d.query).get('state'), 'a%3A', 'decoded once in all, as sent');
    assert.strictEqual(m.deliver(`${callback}&code=C`), undefined, 'a reqid is single use');
    assert.strictEqual(m.deliver('http://127.0.0.1:8080/stable-0123abc/callback?vscode-reqid=9&vscode-scheme=code-oss&vscode-authority=x'), undefined, 'no tab waits for it');
  });

  it('Codespaces (modelled): its own state is consumed, ours is passed on', () => {
    const m = codespacesModel();
    const callback = m.asExternalUri(`vscode://${EXT}/callback?nonce=ab12`, 0);
    const own = new URL(callback).searchParams.get('state')!;
    const d = m.deliver(`${callback}&code=C&state=ours%253A`)!;
    assert.strictEqual(d.path, '/callback');
    const p = new URLSearchParams(d.query);
    assert.strictEqual(p.get('nonce'), 'ab12');
    assert.deepStrictEqual(p.getAll('state'), ['ours%3A']);
    assert.ok(!d.query.includes(own));
  });
});

import * as assert from 'assert';
import { NODE_FLOWS as AVAILABLE_FLOWS } from '../../../src/flows/node/flows';
import { ChooserFacts, chooseFlows, isFlowSetting } from '../../../src/flows/chooser';
import { relayForwardsTo } from '../../../src/flows/relayFlow';

const ids = (facts: ChooserFacts, setting: Parameters<typeof chooseFlows>[1] = 'auto') => chooseFlows(facts, setting, AVAILABLE_FLOWS).map((f) => f.id);
const desktop: ChooserFacts = { remoteExtensionHost: false, webUi: false, webWorkerExtensionHost: false, relayForwards: true };
const vscodeDev = { url: 'https://vscode.dev/redirect', custom: false };

describe('flows/chooser', () => {
  it('desktop VS Code: the relay first, then the direct link, the local server, pasting', () => {
    assert.deepStrictEqual(ids(desktop), ['relay', 'uriHandler', 'loopback', 'paste']);
  });

  it('a fork the relay does not serve: the direct link first', () => {
    assert.deepStrictEqual(ids({ ...desktop, relayForwards: false }), ['uriHandler', 'loopback', 'paste']);
  });

  it('web workbenches: no custom-scheme link, no local server; the relay only where it forwards', () => {
    assert.deepStrictEqual(ids({ ...desktop, webUi: true, webWorkerExtensionHost: true }), ['relay', 'paste']);
    assert.deepStrictEqual(ids({ ...desktop, webUi: true, remoteExtensionHost: true, relayForwards: false }), ['paste']);
  });

  it('a desktop Remote window whose extension host is remote keeps the local server (checked at run time)', () => {
    assert.deepStrictEqual(ids({ ...desktop, remoteExtensionHost: true }), ['relay', 'uriHandler', 'loopback', 'paste']);
  });

  it('a forced flow is used alone', () => {
    assert.deepStrictEqual(ids({ ...desktop, webUi: true }, 'paste'), ['paste']);
    assert.deepStrictEqual(ids(desktop, 'uriHandler'), ['uriHandler']);
    assert.deepStrictEqual(ids({ ...desktop, relayForwards: false }, 'relay'), ['relay']);
  });

  it('validates the setting', () => {
    assert.ok(isFlowSetting('auto') && isFlowSetting('paste') && isFlowSetting('loopback') && isFlowSetting('relay'));
    assert.ok(!isFlowSetting('implicit') && !isFlowSetting(undefined));
  });

  it('the relay forwards to VS Code\'s schemes and the vscode.dev / github.dev hosts only, unless it is the user\'s own', () => {
    for (const ok of ['vscode://p.e/callback?nonce=n&windowId=1', 'vscode-insiders://p.e/callback', 'vscode-wsl://p.e/callback', 'https://vscode.dev/callback?x=1', 'https://insiders.vscode.dev/callback', 'https://abc.github.dev/extension-auth-callback?state=1']) {
      assert.ok(relayForwardsTo(ok, vscodeDev), ok);
    }
    for (const no of ['code-oss://p.e/callback', 'cursor://p.e/callback', 'http://127.0.0.1:8080/stable-1/callback?vscode-reqid=1', 'https://evilvscode.dev/callback', 'http://vscode.dev/callback', 'not a url']) {
      assert.ok(!relayForwardsTo(no, vscodeDev), no);
    }
    assert.ok(relayForwardsTo('http://127.0.0.1:8080/stable-1/callback', { url: 'https://relay.example.org/r', custom: true }));
  });
});

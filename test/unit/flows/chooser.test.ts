import * as assert from 'assert';
import { NODE_FLOWS as AVAILABLE_FLOWS } from '../../../src/flows/node/flows';
import { chooseFlows, FlowEnvironment, isFlowSetting } from '../../../src/flows/chooser';

const ids = (env: FlowEnvironment, setting: Parameters<typeof chooseFlows>[1] = 'auto') => chooseFlows(env, setting, AVAILABLE_FLOWS).map((f) => f.id);
const desktop: FlowEnvironment = { remoteExtensionHost: false, webUi: false, webWorkerExtensionHost: false };

describe('flows/chooser', () => {
  it('desktop, local: every available flow, URI handler first', () => {
    assert.deepStrictEqual(ids(desktop), AVAILABLE_FLOWS.map((f) => f.id));
    assert.strictEqual(ids(desktop)[0], 'uriHandler');
  });

  it('remote extension host and web: no loopback', () => {
    for (const env of [{ ...desktop, remoteExtensionHost: true }, { ...desktop, webUi: true }, { ...desktop, webUi: true, webWorkerExtensionHost: true }]) {
      const chosen = ids(env);
      assert.ok(!chosen.includes('loopback'), JSON.stringify(env));
      assert.deepStrictEqual(chosen.slice(0, 1), ['uriHandler']);
      assert.ok(chosen.includes('paste'));
    }
  });

  it('a forced flow is used alone', () => {
    assert.deepStrictEqual(ids({ ...desktop, webUi: true }, 'paste'), ['paste']);
    assert.deepStrictEqual(ids(desktop, 'uriHandler'), ['uriHandler']);
  });

  it('validates the setting', () => {
    assert.ok(isFlowSetting('auto') && isFlowSetting('paste') && isFlowSetting('loopback'));
    assert.ok(!isFlowSetting('implicit') && !isFlowSetting(undefined));
  });
});

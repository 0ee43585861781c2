import * as assert from 'assert';
import { InProcessLock } from '../../../src/session/crossWindowLock';
import { alongsideLegacy } from '../../../src/session/legacyLock';

describe('session: the previous version\'s lock, held alongside the domain\'s', () => {
  it('reads the higher generation of both ledgers, ignores what another store wrote to the old one, and writes both', async () => {
    const legacy = new InProcessLock();
    const current = new InProcessLock();
    const lock = alongsideLegacy(legacy, current, 'store-a');
    await legacy.run('grant-x', async (l) => {
      await l.write('old-wrote', { gen: 5 }); // a window on the previous version, untagged
      await l.write('other-store', { gen: 9, lockDomain: 'store-b' }); // a new window of another browser
    });
    await current.run('grant-x', async (l) => {
      await l.write('old-wrote', { gen: 3 });
      await l.write('other-store', { gen: 2 });
    });
    const read = await lock.run('grant-x', (l) => Promise.all([l.read('old-wrote'), l.read('other-store'), l.read('none')]));
    assert.deepStrictEqual(read, [{ gen: 5 }, { gen: 2 }, undefined]);
    await lock.run('grant-x', (l) => l.write('k', { gen: 1, pendingGen: 2, pendingRefreshTokenHash: 'h' }));
    assert.deepStrictEqual(await current.run('grant-x', (l) => l.read('k')), { gen: 1, pendingGen: 2, pendingRefreshTokenHash: 'h' });
    assert.deepStrictEqual(await legacy.run('grant-x', (l) => l.read('k')), { gen: 1, pendingGen: 2, pendingRefreshTokenHash: 'h', lockDomain: 'store-a' });
    assert.deepStrictEqual(await lock.run('grant-x', (l) => l.read('k')), { gen: 1, pendingGen: 2, pendingRefreshTokenHash: 'h' }, 'read back as written');
    assert.strictEqual(await lock.run('grant-x', (_l, turn) => turn.stillHeld()), true);
  });
});

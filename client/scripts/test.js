// `npm test` here (`npm run test:client` at the repository's root): builds the package, compiles
// and runs its unit tests (mocha, plain Node, against the repository's Spotify emulator), then
// checks what `npm pack` would publish. Prints `client: N passed, N failed` last.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const dir = path.resolve(__dirname, '..');
const node = (args) => execFileSync(process.execPath, args, { cwd: dir, stdio: 'inherit' });

async function main() {
  let passed = 0;
  let failed = 0;
  try {
    node(['build.js']);
    fs.rmSync(path.join(dir, 'out'), { recursive: true, force: true });
    node([require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.test.json']);
  } catch {
    console.log('client: 0 passed, 1 failed');
    return 1;
  }
  const { Mocha } = require('mocha');
  require(path.join(dir, 'out/client/test/fakeVscode.js'));
  const mocha = new Mocha({ timeout: 20000, reporter: 'spec', forbidOnly: true, forbidPending: true });
  const testDir = path.join(dir, 'out/client/test');
  for (const f of fs.readdirSync(testDir).sort()) {
    if (f.endsWith('.test.js')) {
      mocha.addFile(path.join(testDir, f));
    }
  }
  const stats = await new Promise((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats));
  });
  passed += stats.passes;
  failed += stats.failures;
  try {
    const pack = require(path.join(dir, 'out/client/test/pack/checkPack.js'));
    const r = pack.checkPack();
    passed += r.passed;
    failed += r.failed;
  } catch (e) {
    console.error(e);
    failed++;
  }
  console.log(`client: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then((rc) => process.exit(rc), (e) => {
  console.error(e);
  console.log('client: 0 passed, 1 failed');
  process.exit(1);
});

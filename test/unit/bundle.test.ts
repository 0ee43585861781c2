import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

/** The bundles npm run build makes (run-all.sh and test:unit build before testing). */
const ROOT = path.resolve(__dirname, '../../..');

describe('bundles', () => {
  it('the web bundle requires nothing but vscode (it runs in a browser worker)', () => {
    const text = fs.readFileSync(path.join(ROOT, 'dist/web/extension.js'), 'utf8');
    const required = new Set([...text.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]));
    assert.deepStrictEqual([...required], ['vscode']);
    assert.ok(!/LoopbackServer/.test(text), 'no loopback server in the web build');
  });

  it('the Node bundle includes the loopback flow', () => {
    const text = fs.readFileSync(path.join(ROOT, 'dist/extension.js'), 'utf8');
    assert.ok(/require\(["']http["']\)/.test(text));
  });

  it('package.json points main and browser at the bundles and declares the provider', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.strictEqual(pkg.main, './dist/extension.js');
    assert.strictEqual(pkg.browser, './dist/web/extension.js');
    assert.deepStrictEqual(pkg.contributes.authentication, [{ id: 'spotify', label: 'Spotify' }]);
    assert.deepStrictEqual(pkg.activationEvents, ['onAuthenticationRequest:spotify', 'onUri']);
  });
});

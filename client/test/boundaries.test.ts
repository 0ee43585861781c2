import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const CLIENT = path.resolve(__dirname, '../../..'); // from out/client/test
const ROOT = path.resolve(CLIENT, '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const imports = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);

describe('boundaries', () => {
  it('the package imports only its own files and the vscode host module', () => {
    const files = sources(path.join(CLIENT, 'src'));
    assert.ok(files.length >= 5);
    for (const f of files) {
      for (const spec of imports(f)) {
        assert.ok(spec === 'vscode' || /^\.\/[\w.]+$/.test(spec), `${path.relative(CLIENT, f)} imports ${spec}`);
      }
    }
  });

  it('the extension never imports the package\'s sources', () => {
    const files = sources(path.join(ROOT, 'src'));
    assert.ok(files.length >= 20);
    for (const f of files) {
      for (const spec of imports(f)) {
        assert.ok(!/client\/|vscode-client/.test(spec), `${path.relative(ROOT, f)} imports ${spec}`);
      }
    }
  });
});

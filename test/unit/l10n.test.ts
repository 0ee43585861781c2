import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { BUNDLE, renderBundle, ROOT } from '../package/l10n';

describe('l10n', () => {
  it('l10n/bundle.l10n.json holds every message of the source (run: node out/test/package/l10n.js)', () => {
    assert.strictEqual(fs.readFileSync(BUNDLE, 'utf8'), renderBundle());
    assert.ok(Object.keys(JSON.parse(renderBundle())).length > 30);
  });

  it('every %key% of package.json is in package.nls.json', () => {
    const manifest = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8');
    const nls = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8'));
    const keys = [...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
    assert.ok(keys.length > 20);
    assert.deepStrictEqual(keys.filter((k) => !(k in nls)), []);
  });

  it('the VS Code layer shows no bare string literal to users', () => {
    const dir = path.join(ROOT, 'src/vscode');
    const bare: string[] = [];
    for (const f of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      for (const m of text.matchAll(/show(?:Information|Warning|Error)Message\(\s*(['`])/g)) {
        bare.push(`${f}: ${text.slice(m.index!, m.index! + 60)}`);
      }
    }
    assert.deepStrictEqual(bare, []);
  });
});

/**
 * Extracts every `t('…')` / `vscode.l10n.t('…')` message of src/ into l10n/bundle.l10n.json, the
 * file translators start from (what `@vscode/l10n-dev export` makes, without the dependency).
 * `node out/test/package/l10n.js` writes it; the unit test checks it is current.
 */
import * as fs from 'fs';
import * as path from 'path';
import { filesUnder } from '../host/codeServer';

export const ROOT = path.resolve(__dirname, '../../..');
export const BUNDLE = path.join(ROOT, 'l10n/bundle.l10n.json');

export function extractMessages(): Record<string, string> {
  const messages: Record<string, string> = {};
  for (const file of filesUnder(path.join(ROOT, 'src'), (name) => name.endsWith('.ts'))) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/\bt\(\s*'((?:[^'\\]|\\.)*)'/g)) {
      const message = m[1].replace(/\\'/g, "'").replace(/\\\\/g, '\\');
      messages[message] = message;
    }
  }
  return Object.fromEntries(Object.entries(messages).sort(([a], [b]) => a.localeCompare(b)));
}

export function renderBundle(): string {
  return JSON.stringify(extractMessages(), null, 2) + '\n';
}

if (require.main === module) {
  fs.mkdirSync(path.dirname(BUNDLE), { recursive: true });
  fs.writeFileSync(BUNDLE, renderBundle());
  console.log(`wrote ${Object.keys(extractMessages()).length} messages to l10n/bundle.l10n.json`);
}

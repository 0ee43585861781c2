import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';

/** Runs the *.test.js files of `dir` inside the extension host; rejects when any test fails. */
export function runMochaIn(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const f of fs.readdirSync(dir).sort()) {
    if (f.endsWith('.test.js')) {
      mocha.addFile(path.join(dir, f));
    }
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed.`)) : resolve()));
  });
}

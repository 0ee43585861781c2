/**
 * `npm run package` then this check (CI runs both): builds the release .vsix with @vscode/vsce and
 * checks what it holds: the bundles and what the manifest points at, and no sources, tests,
 * sourcemaps or node_modules. Prints the file list, the size and `package: N passed, N failed`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from '../host/codeServer';

const VSIX = path.join(REPO, 'test-output/spotify-authentication.vsix');

function main(): number {
  fs.mkdirSync(path.dirname(VSIX), { recursive: true });
  execFileSync('node', ['esbuild.js', '--production'], { cwd: REPO, stdio: 'inherit' });
  execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', VSIX], { cwd: REPO, stdio: 'inherit' });
  const files = execFileSync('npx', ['vsce', 'ls', '--no-dependencies'], { cwd: REPO, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('npm warn'));
  execFileSync('node', ['esbuild.js'], { cwd: REPO });
  const size = fs.statSync(VSIX).size;
  console.log(`package contents (${files.length} files):\n  ${files.join('\n  ')}`);
  console.log(`package size: ${(size / 1024).toFixed(1)} KB (${VSIX.replace(REPO + '/', '')})`);
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const checks: Array<[string, boolean]> = [
    ['contains the Node bundle (main)', files.includes(pkg.main.replace('./', ''))],
    ['contains the browser bundle (browser)', files.includes(pkg.browser.replace('./', ''))],
    ['contains the icon, README, CHANGELOG, LICENSE, strings', ['media/icon.png', 'README.md', 'CHANGELOG.md', 'LICENSE', 'package.nls.json'].every((f) => files.includes(f))],
    ['contains every walkthrough page', pkg.contributes.walkthroughs[0].steps.every((s: { media: { markdown: string } }) => files.includes(s.media.markdown))],
    ['no sources or tests', !files.some((f) => /^(src|test|out)\//.test(f) || f.endsWith('.ts'))],
    ['no node_modules', !files.some((f) => f.startsWith('node_modules/'))],
    ['no sourcemaps or build scripts', !files.some((f) => f.endsWith('.map') || f === 'esbuild.js' || f.startsWith('.ci/'))],
    ['smaller than 2 MB', size < 2 * 1024 * 1024],
  ];
  let passed = 0;
  for (const [name, ok] of checks) {
    console.log(`  ${ok ? '✔' : '✘'} ${name}`);
    passed += Number(ok);
  }
  console.log(`package: ${passed} passed, ${checks.length - passed} failed`);
  return passed === checks.length ? 0 : 1;
}

process.exit(main());

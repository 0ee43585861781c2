// Builds the package: dist/index.cjs (CommonJS) and dist/index.mjs (ESM), unminified so that the
// extensions bundling it can read their stack traces, with `vscode` left to the host and nothing
// else outside; then the type declarations (tsc) and their two entry points.
// `--no-types` (or buildClient({ types: false }), as the repository's esbuild.js calls it for the
// consumer test fixture) builds the JavaScript only.
const esbuild = require('esbuild');
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const dir = __dirname;

async function buildClient({ types = true } = {}) {
  if (types) {
    fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
  }
  const common = {
    entryPoints: [path.join(dir, 'src/index.ts')],
    bundle: true,
    platform: 'neutral',
    target: 'es2020',
    external: ['vscode'],
    logLevel: 'warning',
  };
  await Promise.all([
    esbuild.build({ ...common, format: 'cjs', outfile: path.join(dir, 'dist/index.cjs') }),
    esbuild.build({ ...common, format: 'esm', outfile: path.join(dir, 'dist/index.mjs') }),
  ]);
  if (types) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')], { stdio: 'inherit' });
    fs.writeFileSync(path.join(dir, 'dist/index.d.ts'), "export * from './types/index';\n");
    fs.writeFileSync(path.join(dir, 'dist/index.d.mts'), "export * from './types/index.js';\n");
  }
}

module.exports = { buildClient };

if (require.main === module) {
  buildClient({ types: !process.argv.includes('--no-types') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

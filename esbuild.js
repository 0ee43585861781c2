// Bundles the extension twice: dist/extension.js for Node extension hosts (desktop, Remote,
// code-server) and dist/web/extension.js for web worker hosts (vscode.dev). The web build uses the
// browser platform, so a Node built-in reaching its code fails the build instead of the user.
// `--production` minifies for release; sourcemaps are always written so stack traces stay readable.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');

const common = {
  bundle: true,
  format: 'cjs',
  external: ['vscode'],
  minify: production,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
};

async function main() {
  await Promise.all([
    esbuild.build({ ...common, entryPoints: ['src/extension.ts'], platform: 'node', target: 'node18', outfile: 'dist/extension.js' }),
    esbuild.build({ ...common, entryPoints: ['src/web/extension.ts'], platform: 'browser', target: 'es2022', outfile: 'dist/web/extension.js' }),
  ]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

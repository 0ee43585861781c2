// Bundles the extension: dist/extension.js for Node extension hosts (desktop, Remote, code-server).
// `--production` minifies for release; sourcemaps are always written so stack traces stay readable.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');

async function main() {
  await esbuild.build({
    entryPoints: ['src/extension.ts'],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node18',
    outfile: 'dist/extension.js',
    external: ['vscode'],
    minify: production,
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

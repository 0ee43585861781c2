// Bundles the extension twice: dist/extension.js for Node extension hosts (desktop, Remote,
// code-server) and dist/web/extension.js for web worker hosts (vscode.dev). The web build uses the
// browser platform, so a Node built-in reaching its code fails the build instead of the user.
// `--production` minifies for release; sourcemaps are always written so stack traces stay readable.
// Then the consumer test fixture, bundled as another extension's author would bundle it: with the
// built package from client/ (never its sources) and Spotify's SDK. None of it goes in the .vsix.
const esbuild = require('esbuild');
const { buildClient } = require('./client/build.js');

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
    buildClient({ types: false }),
  ]);
  await esbuild.build({
    ...common,
    minify: false,
    entryPoints: ['test/fixtures/consumer/src/extension.js'],
    platform: 'node',
    target: 'node18',
    outfile: 'test/fixtures/consumer/dist/extension.js',
    alias: { '@spotify-auth/vscode-client': './client' },
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

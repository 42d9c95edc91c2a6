// Bundles everything into dist/ with esbuild. Type checking is separate
// (`npm run typecheck`); esbuild only strips types.
//   dist/runtime.js       the library API (runtime/index.ts)
//   dist/cli.js           the plumb command (small: supervises `plumb run`, loads cli-main.js)
//   dist/cli-main.js      the commands and the runtime they use
//   dist/session-host.js  the debug session host, forked by the adapter
//   dist/adapter.js       the debug adapter (DAP over stdio, or --server=PORT)
//   dist/inspect-host.js  loads user stage modules for the editor, away from VS Code
//   dist/extension.js     the VS Code extension
//   dist/media/*          webview scripts (browser bundles)
import { build } from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // esbuild compiles user .ts stages at run time, so it stays a real dependency.
  external: ['esbuild'],
  outdir: 'dist',
};

// Entry points that other work in progress adds; each is built once its file exists.
const optional = (entries) => Object.fromEntries(Object.entries(entries).filter(([, f]) => existsSync(f)));

// csv-worker parses CSV chunks in worker threads and must sit beside the bundles.
await build({ ...node, entryPoints: { runtime: 'runtime/index.ts', 'csv-worker': 'runtime/table/csv-worker.ts' } });
// cli.js is the small entry (argument parsing and the `plumb run` supervisor); it loads
// cli-main.js (the commands and the runtime) only in the process that runs a command.
await build({ ...node, entryPoints: { cli: 'runtime/cli/entry.ts' }, banner: { js: '#!/usr/bin/env node' } });
await build({ ...node, entryPoints: { 'cli-main': 'runtime/cli/main.ts' } });
chmodSync('dist/cli.js', 0o755);

const more = optional({
  'session-host': 'runtime/debug/host.ts',
  adapter: 'src/debug/main.ts',
  // Loads user stage modules for the editor's checks, in a process of its own.
  'inspect-host': 'runtime/spec/inspect-host.ts',
});
if (Object.keys(more).length) await build({ ...node, entryPoints: more });

const extension = optional({ extension: 'src/extension.ts' });
// Minified: the extension host loads it at every VS Code start. keepNames keeps class and
// function names in stack traces; the source map stays in dist/ and out of the .vsix.
if (Object.keys(extension).length) await build({ ...node, entryPoints: extension, external: ['vscode', 'esbuild'], minify: true, keepNames: true });

const media = optional({ 'media/metrics': 'media/metrics/main.ts' });
if (Object.keys(media).length) {
  await build({ bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, logLevel: 'warning', outdir: 'dist', entryPoints: media });
}

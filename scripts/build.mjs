// Bundles the runtime library and the CLI into dist/ with esbuild.
// Type checking is separate (`npm run typecheck`); esbuild only strips types.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // esbuild compiles user .ts stages at run time, so it stays a real dependency.
  external: ['esbuild'],
};

await build({ ...common, entryPoints: { runtime: 'runtime/index.ts' }, outdir: 'dist' });
await build({
  ...common,
  entryPoints: { cli: 'runtime/cli/main.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.js', 0o755);

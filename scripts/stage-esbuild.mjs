// Copies esbuild and this platform's esbuild binary package into dist/node_modules/.
// The bundles keep esbuild external (the runtime compiles user .ts stage modules with it
// at run time), so the installed extension must find it beside them; `vsce package
// --no-dependencies` never collects ./node_modules, and .vscodeignore picks the few files
// that run from the copy. Used by `npm run package` and test/extension/package-contents.
//
// Files already identical (same size and mtime) are left alone, so a second run while
// vsce reads the folder rewrites nothing.
import { cpSync, existsSync, statSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const platformPackage = `@esbuild/${process.platform}-${process.arch}`;

for (const pkg of ['esbuild', platformPackage]) {
  const from = path.join(root, 'node_modules', pkg);
  if (!existsSync(path.join(from, 'package.json'))) {
    console.error(`stage-esbuild: ${from} is missing: run npm ci (esbuild ships no binary for ${process.platform}-${process.arch}?)`);
    process.exit(1);
  }
  cpSync(from, path.join(root, 'dist', 'node_modules', pkg), {
    recursive: true,
    preserveTimestamps: true,
    filter: (src, dest) => {
      const s = statSync(src);
      if (s.isDirectory()) return true;
      const d = statSync(dest, { throwIfNoEntry: false });
      return !(d && d.size === s.size && Math.abs(d.mtimeMs - s.mtimeMs) < 1);
    },
  });
}

// What the .vsix ships, as vsce lists it (the same listing `vsce package` zips), against
// what the extension needs at run time, derived from the code rather than a fixed list:
//   - every file package.json points at (main, icons, grammar, language configuration);
//   - every dist/ file a shipped bundle names (adapter.js → session-host.js →
//     csv-worker.js, metrics.js/.css, inspect-host.js …), followed transitively;
//   - every package a shipped bundle loads by name (esbuild, external in the bundles),
//     which must resolve and work from a copy of only the listed files;
// and nothing else: no sources, tests, benchmarks, source maps or stray node_modules.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { listFiles, PackageManager } from '@vscode/vsce';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/** Modules the extension host provides; never shipped. */
const HOST_MODULES = new Set(['vscode']);

let listed: Set<string>;

/** Files package.json names: main, icon, and every path-like string under contributes. */
function manifestFiles(): string[] {
  const out = new Set<string>(['package.json', 'README.md', 'LICENSE', path.posix.normalize(manifest.main), manifest.icon]);
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      const rel = path.posix.normalize(v);
      if (/^[\w./-]+\.[a-z]+$/i.test(v) && fs.statSync(path.join(ROOT, rel), { throwIfNoEntry: false })?.isFile()) out.add(rel);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(manifest.contributes);
  return [...out];
}

/** Run-time files of dist/ (bundles, pages, styles), by base name. */
function distFilesByName(): Map<string, string> {
  const byName = new Map<string, string>();
  for (const dir of [DIST, path.join(DIST, 'media')]) {
    for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
      if (f.isFile() && !f.name.endsWith('.map')) byName.set(f.name, path.relative(ROOT, path.join(dir, f.name)).split(path.sep).join('/'));
    }
  }
  return byName;
}

/** Modules a bundle loads by bare name: real require()/import() calls, not code inside strings. */
function bareImports(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/(?<![\w$.'"`])(?:require|import)\(\s*"([^"]+)"\s*\)/g)) {
    const spec = m[1];
    if (spec.startsWith('.') || spec.startsWith('/') || isBuiltin(spec) || HOST_MODULES.has(spec)) continue;
    names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  }
  return names;
}

interface RunTimeNeeds {
  files: Set<string>;
  packages: Set<string>;
}

/** Starting from package.json, follows every dist/ file name a shipped script mentions. */
function runTimeNeeds(): RunTimeNeeds {
  const byName = distFilesByName();
  const files = new Set(manifestFiles());
  const packages = new Set<string>();
  const queue = [...files].filter((f) => f.endsWith('.js'));
  while (queue.length) {
    const code = fs.readFileSync(path.join(ROOT, queue.pop()!), 'utf8');
    for (const m of code.matchAll(/["'`]([\w./-]+\.(?:js|css|wasm|json))["'`]/g)) {
      const file = byName.get(path.posix.basename(m[1]));
      if (file && !files.has(file)) {
        files.add(file);
        if (file.endsWith('.js')) queue.push(file);
      }
    }
    for (const p of bareImports(code)) packages.add(p);
  }
  return { files, packages };
}

describe('the .vsix contents', () => {
  before(async () => {
    assert.ok(fs.existsSync(path.join(ROOT, manifest.main)), `${manifest.main} is missing: run npm run build first`);
    // The same staging `npm run package` does: esbuild into dist/node_modules.
    const staged = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'stage-esbuild.mjs')], { encoding: 'utf8' });
    assert.equal(staged.status, 0, staged.stderr);
    listed = new Set((await listFiles({ cwd: ROOT, packageManager: PackageManager.None })).map((f) => f.split(path.sep).join('/')));
  });

  test('ships every file the manifest and the bundles reach at run time', () => {
    const { files } = runTimeNeeds();
    // The chain the debugger and the editor walk, spelled out so a broken scan cannot pass.
    for (const f of ['dist/extension.js', 'dist/adapter.js', 'dist/session-host.js', 'dist/csv-worker.js', 'dist/media/metrics.js', 'dist/media/metrics.css']) {
      assert.ok(files.has(f), `the scan did not reach ${f}`);
    }
    if (fs.existsSync(path.join(DIST, 'inspect-host.js')) && fs.readFileSync(path.join(DIST, 'extension.js'), 'utf8').includes('inspect-host.js')) {
      assert.ok(files.has('dist/inspect-host.js'));
    }
    const missing = [...files].filter((f) => !listed.has(f)).sort();
    assert.deepEqual(missing, [], 'needed at run time but left out of the package (.vscodeignore)');
  });

  test('ships nothing else: no sources, tests, benchmarks, maps or unused modules', () => {
    const { files, packages } = runTimeNeeds();
    const extra = [...listed]
      .filter((f) => !files.has(f))
      .filter((f) => {
        const m = /^dist\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
        if (!m) return true;
        const pkg = m[1];
        // A needed package, or the platform binary package one of those depends on.
        const owner = [...packages].find((p) => p === pkg || (pkg.startsWith('@') && JSON.parse(fs.readFileSync(path.join(DIST, 'node_modules', p, 'package.json'), 'utf8')).optionalDependencies?.[pkg]));
        return !owner || f.endsWith('.map') || /\.d\.ts$/.test(f);
      })
      .sort();
    assert.deepEqual(extra, [], 'packaged but never used at run time');
    for (const f of listed) {
      assert.doesNotMatch(f, /\.map$|(^|\/)(src|runtime|test|bench|scripts|examples|test-output)\//, `${f} should not ship`);
      assert.ok(!f.startsWith('node_modules/'), `${f}: the root node_modules never ships`);
    }
  });

  test('packages the bundles load by name resolve and work from the listed files alone', () => {
    const { packages } = runTimeNeeds();
    assert.ok(packages.has('esbuild'), 'the scan no longer sees the run-time esbuild import (user .ts stages)');
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-vsix-'));
    try {
      for (const f of listed) {
        fs.mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
        fs.chmodSync(path.join(copy, f), fs.statSync(path.join(ROOT, f)).mode);
      }
      // Resolve from dist/, where the bundles sit; esbuild must also compile TypeScript.
      const probe = `
        const names = ${JSON.stringify([...packages])};
        for (const n of names) require.resolve(n);
        const out = require('esbuild').transformSync('const n: number = 41 + 1; export default n;', { loader: 'ts', format: 'cjs' });
        if (!/41 \\+ 1/.test(out.code)) throw new Error('esbuild output: ' + out.code);
        process.stdout.write('ok');`;
      const r = spawnSync(process.execPath, ['-e', probe], { cwd: path.join(copy, 'dist'), encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
      assert.equal(r.stdout, 'ok', `from the packaged files: ${r.stderr}`);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});

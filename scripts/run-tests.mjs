// Runs every test/**/*.test.ts under node's built-in test runner (TypeScript via tsx).
// Node 20's --test takes no glob patterns, so the files are listed here.
// Extra arguments filter by path substring: `node scripts/run-tests.mjs store cli`.
// --quick (what `npm test` uses) runs the heavy fault and soak trials of test/fault/ with
// smaller counts (PLUMB_QUICK=1); without it they run in full (`npm run test:reliability`).
// Tests must not change the repository: the run fails if it modified or added a file
// that git tracks or does not ignore (outputs belong in test-output/ or a temp folder).
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((a) => a !== '--quick');
const files = readdirSync('test', { recursive: true })
  .map((f) => path.join('test', String(f)))
  .filter((f) => f.endsWith('.test.ts') && !f.includes('fixtures'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

/** Files git reports as changed or new (not ignored), with their size and mtime; null outside a git checkout. */
function worktreeState() {
  const r = spawnSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const state = new Map();
  for (const entry of r.stdout.split('\0')) {
    if (entry.length < 4) continue;
    const file = entry.slice(3);
    const st = statSync(file, { throwIfNoEntry: false });
    state.set(file, `${entry.slice(0, 2)} ${st ? `${st.size}:${st.mtimeMs}` : 'deleted'}`);
  }
  return state;
}

const before = worktreeState();
const env = quick ? { ...process.env, PLUMB_QUICK: '1' } : process.env;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
const after = worktreeState();
if (before && after) {
  const changed = [...after].filter(([file, st]) => before.get(file) !== st).map(([file]) => file);
  if (changed.length > 0) {
    console.error(`\nthe tests changed the repository (write outputs to test-output/ or a temp folder):\n  ${changed.join('\n  ')}`);
    process.exit(1);
  }
}
process.exit(r.status ?? 1);

// `npm run reliability:record`: the one way reliability/results.json changes. Runs the
// full fault, load and bad-input suite (test/fault/, full trial counts) into a fresh
// test-output/reliability/results.json and, only when every check ran and passed, copies
// it over the committed file (then commit it). Tests themselves never write there.
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const fresh = path.join('test-output', 'reliability', 'results.json');
const committed = path.join('reliability', 'results.json');

rmSync(fresh, { force: true });
const env = { ...process.env, PLUMB_RELIABILITY_RESULTS: path.resolve(fresh) };
for (const knob of ['PLUMB_QUICK', 'PLUMB_CRASH_TRIALS', 'PLUMB_CONCURRENCY_SAVES', 'PLUMB_FAULT_CASES', 'PLUMB_RETRY_RUNS', 'PLUMB_SOAK_SESSIONS']) delete env[knob];
const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', 'test/fault'], { stdio: 'inherit', env });
if (r.status !== 0) {
  console.error(`\nreliability:record: the suite failed (exit ${r.status}); ${committed} left as it was`);
  process.exit(1);
}
if (!existsSync(fresh)) {
  console.error(`reliability:record: the suite wrote no ${fresh}; ${committed} left as it was`);
  process.exit(1);
}
const checks = JSON.parse(readFileSync(fresh, 'utf8')).checks;
const before = existsSync(committed) ? Object.keys(JSON.parse(readFileSync(committed, 'utf8')).checks) : [];
const missing = before.filter((id) => !(id in checks));
const bad = Object.entries(checks).filter(([, c]) => !c.passed || c.quick).map(([id]) => id);
if (missing.length > 0 || bad.length > 0) {
  console.error(`reliability:record: ${missing.length ? `checks missing: ${missing.join(', ')}; ` : ''}${bad.length ? `not passed in full: ${bad.join(', ')}; ` : ''}${committed} left as it was`);
  process.exit(1);
}
copyFileSync(fresh, committed);
console.log(`reliability:record: ${Object.keys(checks).length} checks written to ${committed}`);

// Runs the benchmarks: `node --import tsx bench/run.ts [--quick] [names...]`.
// Each bench/<name>.bench.ts runs in its own process, one after another (so they never
// compete for the two cores), then bench/results/*.json are merged into bench/results.json
// and one summary table is printed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DIR, formatTable, mergeResults } from './lib';

const args = process.argv.slice(2);
const quickFlag = args.includes('--quick');
const wanted = args.filter((a) => !a.startsWith('--'));
const all = fs.readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length)).sort();
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')} (available: ${all.join(', ')})`);
  process.exit(2);
}
const names = wanted.length ? wanted : all;

const failed: string[] = [];
for (const name of names) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, `${name}.bench.ts`), ...(quickFlag ? ['--quick'] : [])], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed.push(`${name} (exit ${r.status ?? r.signal})`);
}

// Merge every result file present (including earlier runs of benches not run now; each
// bench also merges when it finishes, so a bench run alone updates results.json too).
const files = mergeResults();

console.log('\n=== summary (bench/results.json) ===');
for (const f of files) {
  console.log(`\n${f.name} — ${f.date}`);
  console.log(formatTable(f.results));
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}

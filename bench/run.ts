// Runs the benchmarks: `node --import tsx bench/run.ts [--quick] [names...]`.
// Each bench/<name>.bench.ts runs in its own process, one after another (so they never
// compete for the two cores), then bench/results/*.json are merged into bench/results.json
// and one summary table is printed. Every bench/*.bench.ts is found here, including
// cold-run (P2 as a user runs it: whole processes, page cache dropped; needs dist/ built).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DIR, RESULTS_DIR, formatTable, machine, type BenchFile } from './lib';

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

// Merge every result file present (including earlier runs of benches not run now).
const files: BenchFile[] = fs.existsSync(RESULTS_DIR)
  ? fs.readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, f), 'utf8')) as BenchFile)
  : [];
const merged = { date: new Date().toISOString(), machine: machine(), benchmarks: files };
fs.writeFileSync(path.join(BENCH_DIR, 'results.json'), JSON.stringify(merged, null, 2) + '\n');

console.log('\n=== summary (bench/results.json) ===');
for (const f of files) {
  console.log(`\n${f.name} — ${f.date}`);
  console.log(formatTable(f.results));
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}

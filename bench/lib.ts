// Shared helpers for bench/*.bench.ts: timing, medians, result files and the summary table.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const BENCH_DIR = __dirname;
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');
/** Generated inputs are cached here between runs (git-ignored). */
export const DATA_DIR = path.join(BENCH_DIR, '.data');

export interface Reference {
  label: string;
  value: number;
  unit: string;
}

export interface Result {
  id: string;
  label: string;
  value: number;
  unit: string;
  goal?: string;
  met?: boolean;
  reference?: Reference;
  /** value / reference.value unless stated otherwise in a note. */
  ratio?: number;
}

export interface BenchFile {
  name: string;
  date: string;
  machine: { cpus: number; cpuModel: string; memGB: number; node: string };
  results: Result[];
  notes?: string[];
}

export const quick = process.argv.includes('--quick');

export function machine(): BenchFile['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Writes bench/results/<name>.json. `partial` (a bench run for some of its measures, as
 * debugger.bench.ts --stats-only) keeps the earlier file's other rows: they replace only
 * the rows with the same ids.
 */
export function writeResults(file: BenchFile, partial = false): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, `${file.name}.json`);
  let written = file;
  if (partial && fs.existsSync(out)) {
    const before = JSON.parse(fs.readFileSync(out, 'utf8')) as BenchFile;
    const fresh = new Set(file.results.map((r) => r.id));
    written = { ...file, results: [...before.results.filter((r) => !fresh.has(r.id)), ...file.results] };
  }
  fs.writeFileSync(out, JSON.stringify(written, null, 2) + '\n');
  return out;
}

/**
 * Merges every bench/results/*.json into bench/results.json (each bench's latest file,
 * whether it ran through bench/run.ts or alone), and returns the files merged.
 */
export function mergeResults(): BenchFile[] {
  const files: BenchFile[] = fs.existsSync(RESULTS_DIR)
    ? fs.readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).sort()
        .map((f) => JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, f), 'utf8')) as BenchFile)
    : [];
  const merged = { date: new Date().toISOString(), machine: machine(), benchmarks: files };
  fs.writeFileSync(path.join(BENCH_DIR, 'results.json'), JSON.stringify(merged, null, 2) + '\n');
  return files;
}

function fmt(x: number | undefined, unit?: string): string {
  if (x === undefined) return '';
  const v = Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
  return unit ? `${v} ${unit}` : v;
}

/** A plain-text table: one row per result, with its reference, ratio and goal. */
export function formatTable(results: readonly Result[]): string {
  const rows = [
    ['id', 'measure', 'value', 'reference', 'ratio', 'goal', 'met'],
    ...results.map((r) => [
      r.id,
      r.label,
      fmt(r.value, r.unit),
      r.reference ? `${r.reference.label}: ${fmt(r.reference.value, r.reference.unit)}` : '',
      r.ratio === undefined ? '' : `${fmt(r.ratio)}×`,
      String(r.goal ?? ''),
      r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r, i) => {
    const line = r.map((c, j) => c.padEnd(widths[j])).join('  ').trimEnd();
    return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

/**
 * Print the table, write the JSON (see writeResults for `partial`), merge it into
 * bench/results.json, print where it went. The load average at the end is noted: on a
 * shared machine it says how far to trust the figures.
 */
export function finish(name: string, results: Result[], notes: string[] = [], opts: { partial?: boolean } = {}): void {
  const load = `1-minute load average ${os.loadavg()[0].toFixed(1)} at the end (${os.cpus().length} cores)`;
  const file: BenchFile = { name, date: new Date().toISOString(), machine: machine(), results, notes: [...notes, load] };
  console.log(`\n${name}${quick ? ' (--quick)' : ''}\n`);
  console.log(formatTable(results));
  console.log('\n' + file.notes!.map((n) => `- ${n}`).join('\n'));
  const out = writeResults(file, opts.partial);
  mergeResults();
  console.log(`\nwrote ${path.relative(process.cwd(), out)} and bench/results.json`);
}

/** Max resident set size of this process so far, in MB (resourceUsage reports kilobytes). */
export function maxRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

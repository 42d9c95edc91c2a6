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

export function writeResults(file: BenchFile): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, `${file.name}.json`);
  fs.writeFileSync(out, JSON.stringify(file, null, 2) + '\n');
  return out;
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

/** Print the table, write the JSON, print where it went. */
export function finish(name: string, results: Result[], notes: string[] = []): void {
  const file: BenchFile = { name, date: new Date().toISOString(), machine: machine(), results, notes };
  console.log(`\n${name}${quick ? ' (--quick)' : ''}\n`);
  console.log(formatTable(results));
  if (notes.length) console.log('\n' + notes.map((n) => `- ${n}`).join('\n'));
  console.log(`\nwrote ${path.relative(process.cwd(), writeResults(file))}`);
}

/** Max resident set size of this process so far, in MB (resourceUsage reports kilobytes). */
export function maxRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

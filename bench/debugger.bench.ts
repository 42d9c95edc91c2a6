// The debugger's responsiveness, measured through the built adapter (dist/adapter.js, which
// forks dist/session-host.js) with a real DAP client:
//   - step round trip: `next` request → `stopped` event, over many cheap stages
//     (reference: a raw DAP round trip, the `threads` request, which never reaches the host);
//   - `variables` for a page of 100 rows of a 1k-, 1M- and 10M-row table (reference: 1k);
//   - inspecting columns of a 1k- and a 10M-row table (reference: 1k): evaluating
//     `input.<col>.mean` / `.p50` before the table is shown (the full computation), then
//     expanding a column (its summary: missing, mean, std, min, max, quartiles, distinct,
//     top values) right after listing the columns (a 10M-row column then lists its costly
//     statistics as lazy children: clicking one is measured too) and after a pause
//     (background summaries);
//   - launch → first `stopped` with stopOnEntry, a fresh adapter each time
//     (reference: starting and ending a bare `node` process).
//   node --import tsx bench/debugger.bench.ts [--quick] [--stats-only]    (run `npm run build` first)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { finish, median, percentile, quick, round, type Result } from './lib';

const ROOT = path.resolve(__dirname, '..');
const ADAPTER = path.join(ROOT, 'dist', 'adapter.js');
const FIXTURES = path.join(ROOT, 'test', 'adapter', 'fixtures');

const STEPS = quick ? 50 : 250;
const TABLE_SIZES = quick ? [1_000, 100_000, 1_000_000] : [1_000, 1_000_000, 10_000_000];
const PAGES = quick ? 30 : 200;
const LAUNCHES = quick ? 3 : 10;
const STATS_SIZES = quick ? [1_000, 1_000_000] : [1_000, 10_000_000];
/** Launches per size for column statistics; each gives one or two cold columns per measure. */
const STATS_LAUNCHES = quick ? 2 : 5;
/** The columns of the statistics table: two per measure, of different shapes. */
const STATS_COLUMNS = ['sorted', 'noise', 'wide', 'few', 'gauss', 'holes'];

/** A client that remembers every event, so a wait never misses one already sent. */
class Client {
  readonly dc = new DebugClient('node', ADAPTER, 'plumb', { cwd: ROOT });
  private waiters = new Map<string, ((e: DebugProtocol.Event) => void)[]>();
  private queued = new Map<string, DebugProtocol.Event[]>();

  constructor() {
    this.dc.defaultTimeout = 120_000;
    for (const kind of ['initialized', 'stopped', 'exited', 'terminated']) {
      this.dc.on(kind, (e: DebugProtocol.Event) => {
        const w = this.waiters.get(kind)?.shift();
        if (w) w(e);
        else this.queued.set(kind, [...(this.queued.get(kind) ?? []), e]);
      });
    }
  }

  next(kind: string): Promise<DebugProtocol.Event> {
    const q = this.queued.get(kind);
    if (q?.length) return Promise.resolve(q.shift()!);
    return new Promise((resolve) => this.waiters.set(kind, [...(this.waiters.get(kind) ?? []), resolve]));
  }

  async launch(args: Record<string, unknown>, setup?: () => Promise<void>): Promise<void> {
    await this.dc.start();
    await this.dc.initializeRequest();
    await this.dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
    await this.next('initialized');
    if (setup) await setup();
    await this.dc.configurationDoneRequest();
  }

  async frameId(): Promise<number> {
    return (await this.dc.stackTraceRequest({ threadId: 1, levels: 1 })).body.stackFrames[0].id;
  }
}

function workspace(): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-debugger-bench-'));
  fs.cpSync(FIXTURES, dir, { recursive: true });
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function manyStagesPipeline(dir: string, n: number): string {
  const stages = Array.from({ length: n }, (_, i) => `  - stage: s${i}\n    uses: ./stages/pass.ts\n`).join('');
  const file = path.join(dir, 'many.pipeline.yaml');
  fs.writeFileSync(file, `pipeline: many\ndata:\n  train: data/small.csv\ntraining:\n${stages}`);
  return file;
}

async function stepRoundTrip(dir: string): Promise<Result[]> {
  const c = new Client();
  const file = manyStagesPipeline(dir, STEPS + 1);
  await c.launch({ pipeline: file, store: path.join(dir, '.plumb'), stopOnEntry: true });
  await c.next('stopped');
  const steps: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    const stopped = c.next('stopped');
    await c.dc.nextRequest({ threadId: 1 });
    await stopped;
    steps.push(performance.now() - t0);
  }
  const raw: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    await c.dc.threadsRequest();
    raw.push(performance.now() - t0);
  }
  await c.dc.stop();
  const ref = { label: 'threads round trip p50', value: round(median(raw)), unit: 'ms' };
  const p50 = median(steps);
  const p95 = percentile(steps, 95);
  return [
    { id: 'step-p50', label: `next → stopped, p50 of ${STEPS} steps`, value: round(p50), unit: 'ms', goal: '< 5 ms', met: p50 < 5, reference: ref, ratio: round(p50 / ref.value, 2) },
    { id: 'step-p95', label: `next → stopped, p95 of ${STEPS} steps`, value: round(p95), unit: 'ms', reference: { ...ref, label: 'threads round trip p95', value: round(percentile(raw, 95)) } },
  ];
}

async function pageLatency(dir: string, rows: number): Promise<{ p50: number; p95: number }> {
  const c = new Client();
  await c.launch({ pipeline: path.join(dir, 'big.pipeline.yaml'), store: path.join(dir, '.plumb'), params: { rows } }, async () => {
    await c.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'look' }] });
  });
  await c.next('stopped');
  const scopes = (await c.dc.scopesRequest({ frameId: await c.frameId() })).body.scopes;
  const input = scopes.find((s) => s.name === 'Input')!;
  let top = (await c.dc.variablesRequest({ variablesReference: input.variablesReference })).body.variables;
  const table = top.find((v) => v.type === 'Table');
  if (table) top = (await c.dc.variablesRequest({ variablesReference: table.variablesReference })).body.variables;
  const rowsVar = top.find((v) => v.name === 'rows')!;
  const times: number[] = [];
  let seed = 12345;
  for (let i = 0; i < PAGES; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const start = seed % Math.max(1, rows - 100);
    const t0 = performance.now();
    const r = await c.dc.variablesRequest({ variablesReference: rowsVar.variablesReference, start, count: 100, filter: 'indexed' });
    times.push(performance.now() - t0);
    if (r.body.variables.length !== 100) throw new Error(`asked for 100 rows at ${start}, got ${r.body.variables.length}`);
  }
  await c.dc.stop();
  return { p50: median(times), p95: percentile(times, 95) };
}

async function variablesResults(dir: string): Promise<Result[]> {
  const out: Result[] = [];
  const measured: { rows: number; p50: number; p95: number }[] = [];
  for (const rows of TABLE_SIZES) measured.push({ rows, ...(await pageLatency(dir, rows)) });
  const base = measured[0];
  for (const m of measured) {
    const name = m.rows >= 1e6 ? `${m.rows / 1e6}M` : `${m.rows / 1e3}k`;
    const ref = { label: `${base.rows / 1e3}k-row table p50`, value: round(base.p50), unit: 'ms' };
    out.push({
      id: `variables-${name}-p50`,
      label: `variables, 100 rows of a ${name}-row table, p50`,
      value: round(m.p50),
      unit: 'ms',
      goal: '< 20 ms and flat',
      met: m.p50 < 20 && m.p50 <= Math.max(3 * base.p50, base.p50 + 2),
      reference: ref,
      ratio: round(m.p50 / base.p50, 2),
    });
    out.push({ id: `variables-${name}-p95`, label: `variables, 100 rows of a ${name}-row table, p95`, value: round(m.p95), unit: 'ms', goal: '< 20 ms', met: m.p95 < 20 });
  }
  return out;
}

/** A pipeline whose `look` stage sees `rows` rows of STATS_COLUMNS, each a different shape. */
function statsPipeline(dir: string, rows: number): string {
  fs.writeFileSync(
    path.join(dir, 'stages', 'columns.ts'),
    `import { numberColumn, Table } from 'plumb';
export default function columns(): Table {
  const n = ${rows};
  let seed = 42;
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const cols = ${JSON.stringify(STATS_COLUMNS)}.map(() => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    cols[0][r] = r / 2;                                          // sorted, all distinct
    cols[1][r] = rnd();                                          // uniform noise
    cols[2][r] = (rnd() - 0.5) * 1e9;                            // wide range
    cols[3][r] = Math.floor(rnd() * 100) / 4;                    // 100 distinct values
    cols[4][r] = rnd() + rnd() + rnd() - 1.5;                    // bell-shaped
    cols[5][r] = r % 100 === 0 ? NaN : rnd() * 1000;             // 1% missing
  }
  return new Table(cols.map((v, k) => numberColumn(${JSON.stringify(STATS_COLUMNS)}[k], v)));
}
`,
  );
  const file = path.join(dir, 'columns.pipeline.yaml');
  fs.writeFileSync(file, `pipeline: columns\ndata:\n  train: data/small.csv\ntraining:\n  - stage: make\n    uses: ./stages/columns.ts\n  - stage: look\n    uses: ./stages/pass.ts\n`);
  return file;
}

interface StatsTimes {
  /** Expanding a column right after listing the columns (the background summaries have not reached it). */
  expand: number[];
  /** Expanding a column after a pause of PAUSE_MS following the listing (as a person picks one). */
  paused: number[];
  /** Evaluating a statistic before the table was ever shown (no background work: the full computation). */
  mean: number[];
  p50: number[];
  /** Expanding a column already summarised (the cache). */
  again: number[];
  /** Clicking the lazy p50 of the column expanded at once (its summary computed then). */
  click: number[];
}

/** Between listing a table's columns and expanding one, for the "after a pause" measure. */
const PAUSE_MS = 1000;

/** Cold column expansion and evaluation latencies at one table size. */
async function statsLatency(dir: string, rows: number): Promise<StatsTimes> {
  const file = statsPipeline(dir, rows);
  const out: StatsTimes = { expand: [], paused: [], mean: [], p50: [], again: [], click: [] };
  for (let l = 0; l < STATS_LAUNCHES; l++) {
    const c = new Client();
    await c.launch({ pipeline: file, store: path.join(dir, '.plumb') }, async () => {
      await c.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'look' }] });
    });
    await c.next('stopped');
    const frameId = await c.frameId();
    const time = async (into: number[], f: () => Promise<unknown>): Promise<void> => {
      const t0 = performance.now();
      await f();
      into.push(performance.now() - t0);
    };
    const evaluate = async (into: number[], expression: string): Promise<void> =>
      time(into, async () => {
        const r = await c.dc.evaluateRequest({ expression, frameId, context: 'hover' });
        if (!Number.isFinite(Number(r.body.result))) throw new Error(`${expression} gave ${r.body.result}`);
      });
    // Statistics evaluated before the table is shown: nothing has started them, so each
    // sample pays the whole computation (two columns per measure, each new to the session).
    for (const name of STATS_COLUMNS.slice(2, 4)) await evaluate(out.mean, `input.${name}.mean`);
    for (const name of STATS_COLUMNS.slice(4, 6)) await evaluate(out.p50, `input.${name}.p50`);
    // Showing the table starts the background summaries of the two columns left.
    const scopes = (await c.dc.scopesRequest({ frameId })).body.scopes;
    let top = (await c.dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Input')!.variablesReference })).body.variables;
    const table = top.find((v) => v.type === 'Table');
    if (table) top = (await c.dc.variablesRequest({ variablesReference: table.variablesReference })).body.variables;
    const cols = (await c.dc.variablesRequest({ variablesReference: top.find((v) => v.name === 'columns')!.variablesReference })).body.variables;
    const expand = async (into: number[], name: string): Promise<{ ref: number; p50: DebugProtocol.Variable }> => {
      const ref = cols.find((v) => v.name === name)!.variablesReference;
      let p50: DebugProtocol.Variable | undefined;
      await time(into, async () => {
        const kids = (await c.dc.variablesRequest({ variablesReference: ref })).body.variables;
        p50 = kids.find((k) => k.name === 'p50');
        if (!p50) throw new Error(`column ${name} expanded without p50: ${JSON.stringify(kids)}`);
      });
      return { ref, p50: p50! };
    };
    // At once: the last column in the background queue (not reached yet): at 10M rows it
    // lists type and missing and the other statistics as lazy children (DAP
    // presentationHint.lazy), each computed when clicked.
    const { ref: first, p50 } = await expand(out.expand, STATS_COLUMNS[1]);
    if (rows > 1e6 && !p50.presentationHint?.lazy) throw new Error(`p50 of a cold 10M-row column is not lazy: ${JSON.stringify(p50)}`);
    if (p50.presentationHint?.lazy) {
      // The click: the whole summary of that column, computed now (the others are then instant).
      await time(out.click, async () => {
        const [value] = (await c.dc.variablesRequest({ variablesReference: p50.variablesReference })).body.variables;
        if (value?.name !== 'p50' || !Number.isFinite(Number(value.value))) throw new Error(`clicking p50 gave ${JSON.stringify(value)}`);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    await expand(out.paused, STATS_COLUMNS[0]);
    for (let i = 0; i < 5; i++) await time(out.again, () => c.dc.variablesRequest({ variablesReference: first }));
    await c.dc.stop();
  }
  return out;
}

async function statsResults(dir: string): Promise<Result[]> {
  const measured = [];
  for (const rows of STATS_SIZES) measured.push({ rows, t: await statsLatency(dir, rows) });
  const base = measured[0];
  const out: Result[] = [];
  const measures: [keyof StatsTimes, string][] = [
    ['expand', 'expand a column right after listing the columns (first time)'],
    ['paused', `expand a column ${PAUSE_MS} ms after listing the columns (first time)`],
    ['mean', 'evaluate input.<col>.mean before the table is shown (first time)'],
    ['p50', 'evaluate input.<col>.p50 before the table is shown (first time)'],
    ['again', 'expand a column again (cached)'],
  ];
  for (const [key, what] of measures) {
    for (const m of measured) {
      const name = sizeName(m.rows);
      const p50 = median(m.t[key]);
      const p95 = percentile(m.t[key], 95);
      const b50 = median(base.t[key]);
      out.push({
        id: `stats-${key}-${name}-p50`,
        label: `${what}, ${name}-row table, p50 of ${m.t[key].length}`,
        value: round(p50),
        unit: 'ms',
        goal: '< 20 ms and flat',
        met: p50 < 20 && p50 <= Math.max(3 * b50, b50 + 2),
        reference: { label: `${sizeName(base.rows)}-row table p50`, value: round(b50), unit: 'ms' },
        ratio: round(p50 / b50, 2),
      });
      out.push({ id: `stats-${key}-${name}-p95`, label: `${what}, ${name}-row table, p95`, value: round(p95), unit: 'ms', goal: '< 20 ms', met: p95 < 20 });
    }
  }
  // Where the cost went: a click on a lazy statistic computes that column's whole summary.
  for (const m of measured) {
    if (!m.t.click.length) continue;
    out.push({
      id: `stats-click-${sizeName(m.rows)}-p50`,
      label: `click the lazy p50 of the column expanded at once (computes its summary), ${sizeName(m.rows)}-row table, p50 of ${m.t.click.length}`,
      value: round(median(m.t.click)),
      unit: 'ms',
      reference: { label: 'evaluate input.<col>.p50 (the full computation) p50', value: round(median(m.t.p50)), unit: 'ms' },
      ratio: round(median(m.t.click) / median(m.t.p50), 2),
    });
  }
  return out;
}

function sizeName(rows: number): string {
  return rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}k`;
}

async function launchToStop(dir: string): Promise<Result[]> {
  const times: number[] = [];
  for (let i = 0; i < LAUNCHES; i++) {
    const c = new Client();
    await c.dc.start();
    await c.dc.initializeRequest();
    const t0 = performance.now();
    const stopped = c.next('stopped');
    await c.dc.launchRequest({ pipeline: path.join(dir, 'basic.pipeline.yaml'), store: path.join(dir, '.plumb'), stopOnEntry: true } as DebugProtocol.LaunchRequestArguments);
    await c.next('initialized');
    await c.dc.configurationDoneRequest();
    await stopped;
    times.push(performance.now() - t0);
    await c.dc.stop();
  }
  const bare: number[] = [];
  for (let i = 0; i < LAUNCHES; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(performance.now() - t0);
  }
  const p50 = median(times);
  return [
    {
      id: 'launch-to-first-stop-p50',
      label: `launch → first stopped (stopOnEntry), p50 of ${LAUNCHES}`,
      value: round(p50, 1),
      unit: 'ms',
      goal: '< 500 ms',
      met: p50 < 500,
      reference: { label: 'bare node start + exit p50', value: round(median(bare), 1), unit: 'ms' },
      ratio: round(p50 / median(bare), 2),
    },
  ];
}

async function main(): Promise<void> {
  if (!fs.existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run \`npm run build\` first`);
  const ws = workspace();
  try {
    const only = process.argv.includes('--stats-only');
    const results = only
      ? await statsResults(ws.dir)
      : [...(await stepRoundTrip(ws.dir)), ...(await variablesResults(ws.dir)), ...(await statsResults(ws.dir)), ...(await launchToStop(ws.dir))];
    finish('debugger', results, [
      'Measured end to end through the built adapter and session host over stdio DAP, as VS Code would drive them.',
      `Step round trip: ${STEPS} \`next\` requests on a pipeline of ${STEPS + 1} identity stages; time from sending the request to receiving the \`stopped\` event.`,
      `variables: ${PAGES} pages of 100 rows at pseudo-random offsets of one table per size; "flat" means the p50 stays within 3× (or +2 ms) of the 1k case.`,
      `Column statistics: ${STATS_LAUNCHES} launches per size, each stopping before a stage whose input has ${STATS_COLUMNS.length} number columns (sorted, noise, wide range, 100 distinct values, bell-shaped, 1% missing). First \`input.<col>.mean\` / \`.p50\` on two columns each, before the table is shown, so no background work has started them: the full computation. Then the Input table is shown (which starts summarising its columns in the background) and its columns listed; "right after listing" expands at once the column the background reaches last (at 10M rows: type and missing, and the other statistics as lazy children), then clicks its lazy p50 ("click": the column's whole summary, computed then); "after ${PAUSE_MS} ms" expands the other one after that pause. "Again" re-expands an expanded column (served from the cache).`,
      'Launch: from the launch request to the first stopped event, including the initialized → configurationDone exchange; the adapter process is already running.',
      // --stats-only replaces only the statistics rows of an earlier full run's file.
    ], { partial: only });
  } finally {
    ws.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

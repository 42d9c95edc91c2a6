// The debugger's responsiveness, measured through the built adapter (dist/adapter.js, which
// forks dist/session-host.js) with a real DAP client:
//   - step round trip: `next` request → `stopped` event, over many cheap stages
//     (reference: a raw DAP round trip, the `threads` request, which never reaches the host);
//   - `variables` for a page of 100 rows of a 1k-, 1M- and 10M-row table (reference: 1k);
//   - launch → first `stopped` with stopOnEntry, a fresh adapter each time
//     (reference: starting and ending a bare `node` process).
//   node --import tsx bench/debugger.bench.ts [--quick]     (run `npm run build` first)
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
    const results = [...(await stepRoundTrip(ws.dir)), ...(await variablesResults(ws.dir)), ...(await launchToStop(ws.dir))];
    finish('debugger', results, [
      'Measured end to end through the built adapter and session host over stdio DAP, as VS Code would drive them.',
      `Step round trip: ${STEPS} \`next\` requests on a pipeline of ${STEPS + 1} identity stages; time from sending the request to receiving the \`stopped\` event.`,
      `variables: ${PAGES} pages of 100 rows at pseudo-random offsets of one table per size; "flat" means the p50 stays within 3× (or +2 ms) of the 1k case.`,
      'Launch: from the launch request to the first stopped event, including the initialized → configurationDone exchange; the adapter process is already running.',
    ]);
  } finally {
    ws.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

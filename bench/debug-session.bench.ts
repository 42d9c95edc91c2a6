// Debug session costs through the real host (dist/session-host.js; run `npm run build`):
// step round trips (resume 'next' between epochs → 'stopped') and Variables latency
// (table node, its children, one 100-row page) on tables from 1k to 10M rows.
// Reference: an IPC echo round trip to a bare forked child (the transport floor).
// Usage: node --import tsx bench/debug-session.bench.ts [--quick]
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Session, workspace } from '../test/debug/helpers';
import { finish, median, percentile, quick, type Result } from './lib';

const p95 = (xs: number[]): number => percentile(xs, 95);

async function echoFloor(n: number): Promise<number[]> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-echo-')), 'echo.js');
  fs.writeFileSync(file, "process.on('message', (m) => process.send(m));");
  const child = fork(file, [], { stdio: 'ignore' });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((r) => {
      child.once('message', () => r());
      child.send({ i });
    });
    times.push(performance.now() - t0);
  }
  child.kill();
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return times;
}

async function stepTrips(n: number): Promise<number[]> {
  const ws = workspace(undefined, 200);
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file, stopOnEntry: true });
    await s.stopped();
    // Into fit's epochs (40 of them in the fixture; the trips stay inside them).
    for (let k = 0; k < 4; k++) {
      await s.client.request({ cmd: 'resume', kind: 'next' });
      await s.stopped();
    }
    await s.client.request({ cmd: 'resume', kind: 'stepIn' });
    await s.stopped();
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await s.client.request({ cmd: 'resume', kind: 'next' });
      await s.stopped();
      await s.client.request({ cmd: 'stackTrace' });
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await s.close();
    ws.cleanup();
  }
}

async function variablesLatency(rows: number, n: number): Promise<number[]> {
  const ws = workspace(`pipeline: big\nfeature:\n  - stage: gen\n    uses: ./stages/big.ts\n`);
  ws.write('stages/big.ts', `import { Table } from 'plumb';
export default function () {
  const n = ${rows}; const cols = [];
  for (let c = 0; c < 5; c++) { const v = new Float64Array(n); for (let k = 0; k < n; k++) v[k] = k * (c + 1); cols.push({ type: 'number', name: 'c' + c, values: v, missing: null }); }
  return new Table(cols, n);
}\n`);
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file, stopAfterStage: 'gen' });
    await s.stopped();
    const scope = await s.scope('Output');
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const table = (await s.client.request({ cmd: 'variables', ref: scope })).variables[0];
      const kids = (await s.client.request({ cmd: 'variables', ref: table.ref })).variables;
      await s.client.request({ cmd: 'variables', ref: kids[2].ref, start: Math.floor(rows / 2), count: 100 });
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await s.close();
    ws.cleanup();
  }
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const n = quick ? 10 : 30;
  const floor = await echoFloor(n * 3);
  const steps = await stepTrips(n);
  const echo = { label: 'bare IPC echo round trip (p50)', value: median(floor), unit: 'ms' };
  results.push({ id: 'step-round-trip', label: "resume 'next' between epochs → stopped → stackTrace, p50", value: median(steps), unit: 'ms', goal: '< 5 ms', met: median(steps) < 5, reference: echo, ratio: median(steps) / median(floor) });
  results.push({ id: 'step-round-trip-p95', label: 'the same, p95', value: p95(steps), unit: 'ms' });
  for (const rows of quick ? [1000, 100_000] : [1000, 1_000_000, 10_000_000]) {
    const t = await variablesLatency(rows, n);
    const ref = { label: 'bare IPC echo ×3 (p50)', value: 3 * median(floor), unit: 'ms' };
    results.push({ id: `variables-${rows}`, label: `table node + children + 100-row page, ${rows} rows × 5, p50`, value: median(t), unit: 'ms', goal: '< 20 ms', met: median(t) < 20, reference: ref, ratio: median(t) / ref.value });
    results.push({ id: `variables-${rows}-p95`, label: 'the same, p95', value: p95(t), unit: 'ms' });
  }
  finish('debug-session', results, ['Through SessionClient and the built dist/session-host.js (no DAP adapter in between: bench/debugger.bench.ts measures through it).', quick ? 'quick sizes' : 'full sizes']);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

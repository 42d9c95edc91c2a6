// P1 — engine overhead per stage: runPipeline with monitoring (always on), a retry policy
// and a controller whose hooks do nothing, over N trivial stages that return their input,
// against a plain loop calling the same stage function N times.
//   node --import tsx bench/engine.bench.ts [--quick]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Controller, EngineEvent, PipelineSpec, StageSpec } from '../runtime/index';

// Measure the built bundle (what the CLI and the debugger run), not the sources under
// tsx, whose per-closure name helpers alone add microseconds per stage.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runPipeline, tableFromRows } = require('../dist/runtime.js') as typeof import('../runtime/index');
import { finish, median, quick, round, type Result } from './lib';

const counts = quick ? [10, 1_000] : [10, 1_000, 100_000];
const repsFor = (n: number): number => (n >= 100_000 ? 7 : n >= 1_000 ? 21 : 201);
// Untimed runs first, of the same size: the figure is the engine's steady state, not the
// JIT compiling it (a 10-stage run alone is over before the hot functions are optimised).
const warmupsFor = (n: number): number => (n >= 100_000 ? 1 : n >= 1_000 ? 20 : 2_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-p1-'));
const stageFile = path.join(dir, 'identity.mjs');
fs.writeFileSync(stageFile, 'export default function identity(input) { return input; }\n');
const dataFile = path.join(dir, 'data.json');
fs.writeFileSync(dataFile, JSON.stringify([{ x: 1, y: 'a' }, { x: 2, y: 'b' }]));

const range = { start: { line: 1, col: 1 }, end: { line: 1, col: 2 } };
const retry = { attempts: 3, backoff: 'exponential' as const, initialMs: 1000, coefficient: 2, maxMs: 30_000, jitter: 0.2, on: [], never: [] };

function spec(n: number): PipelineSpec {
  const feature: StageSpec[] = Array.from({ length: n }, (_, i) => ({
    name: `s${i}`, uses: './identity.mjs', module: stageFile, section: 'feature', with: {}, retry,
    range, nameRange: { start: { line: i + 1, col: 5 }, end: { line: i + 1, col: 8 } }, usesRange: range, withRanges: {},
  }));
  return {
    file: path.join(dir, 'p1.pipeline.yaml'), fileHash: '0'.repeat(64), name: 'p1', params: {},
    data: { train: dataFile }, store: path.join(dir, '.plumb'), feature, training: [], inference: [],
  };
}

const controller: Controller = { beforeStage: () => undefined, afterStage: () => undefined, atStep: () => undefined };

// The timing listener: one function for every run, warm-up runs included. A listener made
// anew per run (a closure, which tsx also renames per creation) or a different one in the
// warm-up leaves the engine optimised for another function and costs it a deoptimisation.
let firstStart = 0;
let lastEnd = 0;
let lastIndex = 0;
// Process CPU time over the same span (all threads, GC helpers included): on a machine
// shared with other work it shows how much of the wall time was spent waiting for a core.
let cpuStart: NodeJS.CpuUsage | undefined;
let cpuLoop: NodeJS.CpuUsage | undefined;
function timingListener(e: EngineEvent): void {
  if (e.type === 'stage-start' && firstStart === 0) {
    cpuStart = process.cpuUsage(); // before the clock read: its own cost stays outside the span
    firstStart = performance.now();
  }
  if (e.type === 'stage-end') {
    lastEnd = performance.now();
    if (e.ref.index === lastIndex) cpuLoop = process.cpuUsage(cpuStart);
  }
}

async function timedRun(s: PipelineSpec): Promise<{ total: number; setup: number; loop: number; cpu: number }> {
  firstStart = 0;
  lastEnd = 0;
  lastIndex = s.feature.length - 1;
  const t0 = performance.now();
  const res = await runPipeline(s, { store: false, controller, dataChecks: true, onEvent: timingListener });
  const t1 = performance.now();
  if (res.status !== 'ok') throw res.error;
  const cpu = cpuLoop ? (cpuLoop.user + cpuLoop.system) / 1000 : NaN;
  return { total: t1 - t0, setup: firstStart - t0, loop: lastEnd - firstStart, cpu };
}

async function main(): Promise<void> {
  const identity = (await import(stageFile)).default as (t: unknown) => unknown;
  const table = tableFromRows([{ x: 1, y: 'a' }, { x: 2, y: 'b' }]);
  const results: Result[] = [];
  const notes: string[] = [];
  const loadBefore = os.loadavg()[0];
  for (const n of counts) {
    const s = spec(n);
    const total: number[] = [];
    const loop: number[] = [];
    const setup: number[] = [];
    const plain: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < warmupsFor(n) + repsFor(n); r++) {
      const timed = await timedRun(s);
      if (r < warmupsFor(n)) continue;
      total.push(timed.total);
      setup.push(timed.setup);
      loop.push(timed.loop);
      cpu.push(timed.cpu);
      // The reference: the same stage function called n times in a plain loop.
      const p0 = performance.now();
      let x: unknown = table;
      for (let i = 0; i < n; i++) x = identity(x);
      plain.push(performance.now() - p0);
    }
    // first stage-start → last stage-end spans all n stages.
    const perStage = (median(loop) * 1000) / n;
    const perRun = loop.map((ms) => (ms * 1000) / n);
    const plainPer = (median(plain) * 1000) / n;
    results.push({
      id: `p1.${n}.per-stage`, label: `engine per stage, ${n} stages (stage loop)`, value: round(perStage, 2), unit: 'µs',
      reference: { label: 'plain loop', value: round(plainPer, 4), unit: 'µs' },
      goal: '≤ 2 µs', met: perStage <= 2,
    });
    results.push({
      id: `p1.${n}.per-stage-whole-run`, label: `whole runPipeline / stages, ${n} stages`, value: round((median(total) * 1000) / n, 2), unit: 'µs',
    });
    notes.push(`${n} stages: whole run ${round(median(total), 1)} ms, of which setup before the first stage ${round(median(setup), 1)} ms ` +
      `(loading the data file, resolving ${n} user stage specs through loadUserStage); stage loop ${round(median(loop), 1)} ms; ` +
      `per stage over the ${perRun.length} runs: min ${round(Math.min(...perRun), 2)}, median ${round(perStage, 2)}, max ${round(Math.max(...perRun), 2)} µs; ` +
      `process CPU time in the stage loop, median ${round((median(cpu) * 1000) / n, 2)} µs per stage.`);
  }
  // Where the time goes: the same 1,000-stage run with one attachment removed at a time.
  const n = 1_000;
  const variants: [string, Parameters<typeof runPipeline>[1], boolean][] = [
    ['everything attached', { controller, onEvent: () => undefined }, true],
    ['no controller', { onEvent: () => undefined }, true],
    ['no onEvent listener', { controller }, true],
    ['no data checks', { controller, onEvent: () => undefined, dataChecks: false }, true],
    ['no retry policy (attempts 1)', { controller, onEvent: () => undefined }, false],
  ];
  const parts: string[] = [];
  for (const [label, opts, withRetry] of variants) {
    const s = spec(n);
    if (!withRetry) for (const st of s.feature) st.retry = { ...retry, attempts: 1 };
    const times: number[] = [];
    for (let r = 0; r < 14; r++) {
      const t0 = performance.now();
      await runPipeline(s, { store: false, ...opts });
      if (r >= 5) times.push(performance.now() - t0); // 5 untimed warm-up runs first
    }
    parts.push(`${label} ${round((median(times) * 1000) / n, 1)} µs`);
  }
  notes.push(`Whole run per stage at 1,000 stages, one attachment removed at a time (median of 9): ${parts.join('; ')}.`);
  notes.unshift('Per stage = (last stage-end − first stage-start) / N (the span holds all N stages; earlier results divided by N − 1), median of runs (201 at 10 stages, 21 at 1,000, 7 at 100,000), ' +
    'after untimed warm-up runs of the same size (2,000 / 20 / 1, with the same timing listener as the measured runs: otherwise the 10-stage figure measures the JIT, not the engine); GC pauses inside the stage loop are counted. ' +
    'Every stage has a retry policy (3 attempts, exponential), the controller has beforeStage/afterStage/atStep that return undefined, the monitor is always on, data checks on, store off, an onEvent listener attached.');
  notes.push('Where the per-stage time goes (CPU profiles of the built bundle, same setup): at 1,000 stages ~0.45 µs is the engine ' +
    '(the stage context with its closures, the two hook points, four event objects for the listener, two clock reads, the retry bookkeeping) ' +
    'and ~0.25 µs the monitor record. At 100,000 stages what the run keeps per stage costs more: the stage record gaining start/durationMs and an ' +
    'attempt record, the first touch of each stage record, cold in cache, and scavenges copying what the record keeps (~0.5 µs). ' +
    'The record no longer has retry.attemptsByStage (one key per stage in a 100,000-key dictionary object, ~0.3–0.45 µs per insert; it repeated stages[i].attempts.length). ' +
    'For a synchronous stage the engine no longer makes a promise, an abort listener or per-stage retry callbacks, and feeds the monitor by direct calls.');
  notes.push(`1-minute load average ${round(loadBefore, 1)} at the start and ${round(os.loadavg()[0], 1)} at the end, on ${os.cpus().length} cores: ` +
    'the 100,000-stage loop (~0.2 s per run, GC helpers included) suffers most when the cores are shared.');
  finish('engine', results, notes);
}

main().finally(() => fs.rmSync(dir, { recursive: true, force: true }));

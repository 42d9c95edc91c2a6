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
const repsFor = (n: number): number => (n >= 100_000 ? 3 : n >= 1_000 ? 7 : 31);

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

async function main(): Promise<void> {
  const identity = (await import(stageFile)).default as (t: unknown) => unknown;
  const table = tableFromRows([{ x: 1, y: 'a' }, { x: 2, y: 'b' }]);
  const results: Result[] = [];
  const notes: string[] = [];
  for (const n of counts) {
    const s = spec(n);
    const total: number[] = [];
    const loop: number[] = [];
    const setup: number[] = [];
    const plain: number[] = [];
    for (let r = 0; r < repsFor(n); r++) {
      let first = 0;
      let last = 0;
      const t0 = performance.now();
      const res = await runPipeline(s, {
        store: false, controller, dataChecks: true,
        onEvent: (e: EngineEvent) => {
          if (e.type === 'stage-start' && first === 0) first = performance.now();
          if (e.type === 'stage-end') last = performance.now();
        },
      });
      const t1 = performance.now();
      if (res.status !== 'ok') throw res.error;
      total.push(t1 - t0);
      setup.push(first - t0);
      loop.push(last - first);
      // The reference: the same stage function called n times in a plain loop.
      const p0 = performance.now();
      let x: unknown = table;
      for (let i = 0; i < n; i++) x = identity(x);
      plain.push(performance.now() - p0);
    }
    const perStage = (median(loop) * 1000) / Math.max(1, n - 1);
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
      `(loading the data file, resolving ${n} user stage specs through loadUserStage); stage loop ${round(median(loop), 1)} ms.`);
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
    for (let r = 0; r < 9; r++) {
      const t0 = performance.now();
      await runPipeline(s, { store: false, ...opts });
      times.push(performance.now() - t0);
    }
    parts.push(`${label} ${round((median(times) * 1000) / n, 1)} µs`);
  }
  notes.push(`Whole run per stage at 1,000 stages, one attachment removed at a time (median of 9): ${parts.join('; ')}.`);
  notes.unshift('Per stage = (last stage-end − first stage-start) / (N − 1), median of runs (31 at 10 stages, 7 at 1,000, 3 at 100,000). ' +
    'Every stage has a retry policy (3 attempts, exponential), the controller has beforeStage/afterStage/atStep that return undefined, the monitor is always on, data checks on, store off, an onEvent listener attached.');
  finish('engine', results, notes);
}

main().finally(() => fs.rmSync(dir, { recursive: true, force: true }));

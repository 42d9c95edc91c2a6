// The engine runs synchronous stages without promises and feeds the monitor directly
// rather than through event objects. These tests pin down that both routes say the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline, runPipeline, Monitor, type AfterStagePoint, type EngineEvent } from '../../runtime';
import { toyWorkspace } from './fixture';

const PIPELINE = `pipeline: paths
data:
  train: data/train.csv
feature:
  - stage: same
    uses: ./stages/same.ts
  - stage: later
    uses: ./stages/later.ts
  - stage: flaky
    uses: ./stages/flaky.ts
    retry: { attempts: 3, backoff: immediate }
  - stage: doubled
    uses: ./stages/doubled.ts
`;

function setup() {
  const ws = toyWorkspace({ prefix: 'plumb-sync-path-', pipeline: PIPELINE, rows: 30, newRows: 5, newSeed: 2 });
  ws.write('stages/same.ts', `export default (input: unknown) => input;\n`);
  ws.write('stages/later.ts', `export default async (input: unknown) => { await new Promise((r) => setTimeout(r, 2)); return input; };\n`);
  ws.write(
    'stages/flaky.ts',
    `import type { Table, StageContext } from 'plumb';
export default function flaky(input: Table, ctx: StageContext): Table {
  ctx.log('attempt ' + ctx.attempt);
  if (ctx.attempt === 1) throw new Error('first try fails');
  return input;
}
`,
  );
  // A new column full of infinities: the data checks must still warn on this path.
  ws.write(
    'stages/doubled.ts',
    `import { Table, type NumberColumn } from 'plumb';
export default function doubled(input: Table): Table {
  const values = new Float64Array(input.rowCount).fill(Infinity);
  const col: NumberColumn = { type: 'number', name: 'inf', values, missing: null };
  return input.withColumn(col);
}
`,
  );
  return ws;
}

test('the record fed directly equals the record rebuilt from the public event stream', async () => {
  const ws = setup();
  try {
    const spec = await loadPipeline(ws.file);
    const events: EngineEvent[] = [];
    const r = await runPipeline(spec, { store: false, onEvent: (e) => events.push(e) });
    assert.equal(r.status, 'ok', r.error?.message);
    const rebuilt = new Monitor();
    for (const e of events) rebuilt.handle(e);
    assert.deepEqual(rebuilt.record, r.record);
    const flaky = r.record.stages.find((s) => s.stage === 'flaky')!;
    assert.deepEqual(flaky.attempts.map((a) => a.ok), [false, true]);
    assert.equal(r.record.retry.stagesRetried, 1);
    assert.equal(r.record.retry.totalRetries, 1);
    assert.ok(r.record.warnings.some((w) => w.stage === 'doubled' && w.code === 'non-finite'));
  } finally {
    ws.cleanup();
  }
});

test('synchronous and asynchronous stages produce the same event sequence', async () => {
  const ws = setup();
  try {
    const spec = await loadPipeline(ws.file);
    const events: EngineEvent[] = [];
    const r = await runPipeline(spec, { store: false, onEvent: (e) => events.push(e) });
    assert.equal(r.status, 'ok', r.error?.message);
    const of = (stage: string) =>
      events.filter((e) => 'ref' in e && e.ref?.stage === stage).map((e) => (e.type === 'attempt-end' ? `${e.type}:${e.ok}` : e.type));
    const plain = ['stage-start', 'attempt-start', 'attempt-end:true', 'stage-end'];
    assert.deepEqual(of('same'), plain);
    assert.deepEqual(of('later'), plain);
    assert.deepEqual(of('flaky'), [
      'stage-start', 'attempt-start', 'log', 'attempt-end:false', 'attempt-start', 'log', 'attempt-end:true', 'stage-end',
    ]);
    assert.deepEqual(of('doubled'), ['stage-start', 'attempt-start', 'attempt-end:true', 'warning', 'stage-end']);
    // Event times are epoch ms (integers), in order, and attempt-end repeats its attempt's clock.
    const times = events.map((e) => e.time);
    assert.ok(times.every((t) => Number.isInteger(t)));
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]));
    const later = r.record.stages.find((s) => s.stage === 'later')!;
    assert.ok(later.durationMs! >= 1, `the async stage waited 2 ms, recorded ${later.durationMs}`);
    assert.equal(r.output.has('inf'), true);
  } finally {
    ws.cleanup();
  }
});

test('after-stage points carry the stage output, duration and attempts on both paths', async () => {
  const ws = setup();
  try {
    const spec = await loadPipeline(ws.file);
    const seen: AfterStagePoint[] = [];
    const r = await runPipeline(spec, { store: false, controller: { afterStage: (p) => void seen.push(p) } });
    assert.equal(r.status, 'ok', r.error?.message);
    assert.deepEqual(seen.map((p) => [p.kind, p.ref.stage, p.attempts]), [
      ['after-stage', 'same', 1],
      ['after-stage', 'later', 1],
      ['after-stage', 'flaky', 2],
      ['after-stage', 'doubled', 1],
    ]);
    for (const p of seen) {
      const rec = r.record.stages[p.ref.index];
      assert.equal(p.durationMs, rec.durationMs);
      assert.equal(p.output.rowCount, 30);
    }
    assert.equal(seen[0].output, seen[0].input, 'an identity stage passes its input through');
  } finally {
    ws.cleanup();
  }
});

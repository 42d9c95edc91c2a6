import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Monitor, type RunRecord } from '../../runtime/monitor';
import { failingRunEvents, refs, simpleRunEvents } from './fixtures';

function monitorOf(events = failingRunEvents(), opts?: { keepLogs?: number }): Monitor {
  const m = new Monitor(opts);
  for (const e of events) m.handle(e);
  return m;
}

test('the record of a run with a retried and a failing stage is exact', () => {
  const expected: RunRecord = {
    format: 1,
    runId: 'r1',
    pipeline: 'churn',
    file: '/p/churn.pipeline.yaml',
    mode: 'train',
    status: 'failed',
    start: 1000,
    end: 3600,
    durationMs: 2600,
    error: { name: 'DataError', message: "column 'plan' has NaN" },
    stages: [
      {
        ...refs.impute,
        status: 'ok',
        start: 1000,
        durationMs: 200,
        rowsIn: 1000,
        rowsOut: 1000,
        bytesIn: 16000,
        bytesOut: 16000,
        rowsPerSec: 5000, // 1000 rows / 0.2 s
        attempts: [{ attempt: 1, start: 1000, durationMs: 200, ok: true }],
        errors: [],
        warnings: 0,
        metrics: {},
        steps: 0,
      },
      {
        ...refs.scale,
        status: 'ok',
        start: 1200,
        durationMs: 1800,
        rowsIn: 1000,
        rowsOut: 1000,
        bytesIn: 16000,
        bytesOut: 24000,
        rowsPerSec: 1000 / 1.8,
        attempts: [
          { attempt: 1, start: 1200, durationMs: 100, ok: false, error: { name: 'TransientError', message: 'disk busy' }, delayMs: 500 },
          { attempt: 2, start: 1800, durationMs: 100, ok: false, error: { name: 'TransientError', message: 'disk busy again' }, delayMs: 1000 },
          { attempt: 3, start: 2900, durationMs: 100, ok: true },
        ],
        errors: [
          { name: 'TransientError', message: 'disk busy' },
          { name: 'TransientError', message: 'disk busy again' },
        ],
        warnings: 1,
        metrics: { mean_shift: [{ step: 0, value: 0.5 }] },
        steps: 0,
      },
      {
        ...refs.fit,
        status: 'failed',
        start: 3000,
        durationMs: 500,
        rowsIn: 800,
        rowsOut: 0,
        bytesIn: 12800,
        bytesOut: 0,
        rowsPerSec: 0,
        attempts: [{ attempt: 1, start: 3000, durationMs: 500, ok: false, error: { name: 'DataError', message: "column 'plan' has NaN" } }],
        // The stage error repeats the attempt's: one entry, with the stack it brought.
        errors: [{ name: 'DataError', message: "column 'plan' has NaN", stack: 'DataError: at fit' }],
        warnings: 0,
        metrics: { loss: [{ step: 0, value: 0.7 }, { step: 1, value: 0.4 }] },
        steps: 2,
      },
      {
        ...refs.evaluate,
        status: 'skipped',
        // Never ran: no times (the keys are there from the start, see pendingStage; JSON drops them).
        start: undefined,
        durationMs: undefined,
        rowsIn: 0,
        rowsOut: 0,
        bytesIn: 0,
        bytesOut: 0,
        rowsPerSec: 0,
        attempts: [],
        errors: [],
        warnings: 0,
        metrics: {},
        steps: 0,
      },
    ],
    warnings: [
      { message: 'data file is older than the pipeline', code: 'stale-data', time: 1000 },
      { stage: 'scale', message: "column 'age' has 3 outliers", code: 'outliers', time: 1250 },
    ],
    logsCount: 3,
    retry: { stagesRetried: 1, totalRetries: 2 },
  };
  const m = monitorOf();
  assert.deepEqual(m.record, expected);
  // JSON-serialisable: a round trip changes nothing (it drops only the keys left undefined).
  assert.deepEqual(JSON.parse(JSON.stringify(m.toJSON())), JSON.parse(JSON.stringify(expected)));
});

test('stages are pending until reached, running while they run', () => {
  const events = failingRunEvents();
  const m = new Monitor();
  // Up to and including scale's first attempt-start.
  const upTo = events.findIndex((e) => e.type === 'attempt-start' && e.ref.stage === 'scale');
  for (const e of events.slice(0, upTo + 1)) m.handle(e);
  assert.equal(m.record.status, 'running');
  assert.deepEqual(m.record.stages.map((s) => s.status), ['ok', 'running', 'pending', 'pending']);
  assert.equal(m.record.retry.totalRetries, 0);
});

test('record is live, toJSON is a detached copy', () => {
  const events = failingRunEvents();
  const m = new Monitor();
  m.handle(events[0]);
  const live = m.record;
  const copy = m.toJSON();
  for (const e of events.slice(1)) m.handle(e);
  assert.equal(live.status, 'failed');
  assert.equal(copy.status, 'running');
  assert.deepEqual(copy.stages.map((s) => s.status), ['pending', 'pending', 'pending', 'pending']);
});

test('a cancelled run marks the interrupted and unreached stages skipped', () => {
  const events = simpleRunEvents('c1', 0, [['load', 100], ['train', 500]]);
  const m = new Monitor();
  // Stop before train ends: drop its stage-end and the run-end, then cancel at t=300.
  for (const e of events.filter((e) => e.type !== 'stage-end' || e.ref.stage !== 'train').slice(0, -1)) m.handle(e);
  m.handle({ type: 'run-end', runId: 'c1', time: 300, durationMs: 300, status: 'cancelled' });
  const [load, train] = m.record.stages;
  assert.equal(m.record.status, 'cancelled');
  assert.equal(load.status, 'ok');
  assert.equal(train.status, 'skipped');
  assert.equal(train.durationMs, 200); // ran from 100 until cancelled at 300
});

test('events of another run are ignored; a new run-start starts afresh', () => {
  const m = monitorOf(simpleRunEvents('a', 0, [['load', 10]]));
  m.handle({ type: 'warning', runId: 'other', time: 5, message: 'not mine', code: 'x' });
  assert.equal(m.record.warnings.length, 0);
  for (const e of simpleRunEvents('b', 100, [['load', 20], ['fit', 'fail']])) m.handle(e);
  assert.equal(m.record.runId, 'b');
  assert.deepEqual(m.record.stages.map((s) => [s.stage, s.status, s.durationMs]), [['load', 'ok', 20], ['fit', 'failed', 10]]);
});

test('a restarted stage records its latest execution and keeps the retry summary consistent', () => {
  const m = monitorOf(simpleRunEvents('r', 0, [['flaky', 30, 3]]).slice(0, -1)); // without run-end
  assert.deepEqual(m.record.retry, { stagesRetried: 1, totalRetries: 2 });
  const ref = m.record.stages[0];
  const stageRef = { stage: ref.stage, uses: ref.uses, section: ref.section, index: ref.index, line: ref.line };
  m.handle({ type: 'stage-start', runId: 'r', ref: stageRef, time: 40, rowsIn: 7, bytesIn: 70 });
  m.handle({ type: 'stage-end', runId: 'r', ref: stageRef, time: 50, durationMs: 10, rowsIn: 7, rowsOut: 7, bytesIn: 70, bytesOut: 70, attempts: 1 });
  assert.deepEqual(m.record.retry, { stagesRetried: 0, totalRetries: 0 });
  assert.equal(m.record.stages[0].rowsIn, 7);
  assert.deepEqual(m.record.stages[0].attempts, []);
});

test('keepLogs keeps the last lines only', () => {
  const m = new Monitor({ keepLogs: 2 });
  m.handle(simpleRunEvents('l', 0, [])[0]);
  for (let i = 0; i < 10; i++) m.handle({ type: 'log', runId: 'l', ref: i % 2 ? refs.fit : undefined, time: i, message: `line ${i}` });
  assert.equal(m.record.logsCount, 10);
  assert.deepEqual(m.record.logs, [
    { time: 8, message: 'line 8' },
    { stage: 'fit', time: 9, message: 'line 9' },
  ]);
  // Without the option, logs are only counted.
  assert.equal(monitorOf().record.logs, undefined);
});

test('records are keyed by stage name: a ref whose index points at another stage still lands on its own record', () => {
  const m = new Monitor();
  const a = { stage: 'a', uses: 'impute', section: 'feature' as const, index: 0, line: 3 };
  const b = { stage: 'b', uses: 'scale', section: 'feature' as const, index: 1, line: 5 };
  m.handle({ type: 'run-start', runId: 'r', pipeline: 'p', file: '/p.yaml', mode: 'train', time: 1, stages: [a, b] });
  // Same name, stale index (say, from an older run's ref).
  const staleB = { ...b, index: 0 };
  m.handle({ type: 'stage-start', runId: 'r', ref: staleB, time: 2, rowsIn: 4, bytesIn: 32 });
  m.handle({ type: 'attempt-start', runId: 'r', ref: staleB, attempt: 1, time: 2 });
  m.attemptEnd('r', staleB, 1, 3, 1, true, undefined, undefined);
  m.stageEnd('r', staleB, 3, 1, 4, 4, 32, 32, 1);
  m.stageStart('r', a, 4, 4, 32);
  const [ra, rb] = m.record.stages;
  assert.equal(m.record.stages.length, 2);
  assert.equal(rb.status, 'ok');
  assert.deepEqual(rb.attempts, [{ attempt: 1, start: 2, durationMs: 1, ok: true }]);
  assert.equal(ra.status, 'running');
  assert.deepEqual(ra.attempts, []);
  assert.deepEqual(m.record.retry, { stagesRetried: 0, totalRetries: 0 });
  // Events of another run are ignored on the direct calls too.
  m.stageEnd('other', a, 5, 1, 4, 4, 32, 32, 1);
  assert.equal(m.record.stages[0].status, 'running');
});

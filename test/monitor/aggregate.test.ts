import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Monitor, aggregateRuns, percentile, type RunRecord } from '../../runtime/monitor';
import { simpleRunEvents } from './fixtures';
import type { EngineEvent } from '../../runtime/engine/events';

function recordOf(events: EngineEvent[]): RunRecord {
  const m = new Monitor();
  for (const e of events) m.handle(e);
  return m.toJSON();
}

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

test('percentile interpolates linearly like numpy.percentile', () => {
  // Expected values from numpy: np.percentile([100,200,300,400,1000], [50, 95]) → 300, 880;
  // np.percentile([10,20,30,40], [50, 95]) → 25, 38.5.
  close(percentile([1000, 300, 100, 400, 200], 0.5), 300);
  close(percentile([1000, 300, 100, 400, 200], 0.95), 880);
  close(percentile([40, 10, 30, 20], 0.5), 25);
  close(percentile([40, 10, 30, 20], 0.95), 38.5);
  assert.equal(percentile([7], 0.95), 7);
  assert.equal(percentile([], 0.5), 0);
});

test('aggregateRuns computes failure rates, percentiles, rows and retries per stage', () => {
  const loadMs = [100, 200, 300, 400, 1000];
  const records = loadMs.map((d, i) =>
    // fit takes twice as long as load; in run 4 it fails; in run 1 it needed 3 attempts.
    recordOf(simpleRunEvents(`r${i}`, i * 10_000, [['load', d], ['fit', i === 4 ? 'fail' : 2 * d, i === 1 ? 3 : 1]])),
  );
  const agg = aggregateRuns(records);
  assert.equal(agg.runs, 5);
  assert.equal(agg.failed, 1);
  close(agg.failureRate, 0.2);
  assert.deepEqual(agg.stages.map((s) => s.stage), ['load', 'fit']);

  const [load, fit] = agg.stages;
  assert.equal(load.count, 5);
  assert.equal(load.failures, 0);
  assert.equal(load.totalMs, 2000);
  close(load.meanMs, 400); // numpy: mean, p50, p95 of [100,200,300,400,1000] = 400, 300, 880
  close(load.p50Ms, 300);
  close(load.p95Ms, 880);
  assert.equal(load.meanRows, 100); // max(rows in 100, rows out 50)
  assert.equal(load.meanBytes, 1000);
  assert.equal(load.retries, 0);

  // fit durations: 200, 400, 600, 800 and 10 for the failure.
  // numpy: np.mean → 402, np.percentile(..., 50) → 400, np.percentile(..., 95) → 760.
  assert.equal(fit.count, 5);
  assert.equal(fit.failures, 1);
  close(fit.failureRate, 0.2);
  close(fit.meanMs, 402);
  close(fit.p50Ms, 400);
  close(fit.p95Ms, 760);
  assert.equal(fit.retries, 2);
});

test('stages come in the latest run’s order, then stages only older runs had', () => {
  const older = recordOf(simpleRunEvents('old', 1000, [['load', 10], ['clean', 10], ['fit', 10]]));
  const newest = recordOf(simpleRunEvents('new', 5000, [['fit', 10], ['load', 10]]));
  const middle = recordOf(simpleRunEvents('mid', 3000, [['load', 10], ['dedupe', 10]]));
  const agg = aggregateRuns([newest, older, middle]);
  assert.deepEqual(agg.stages.map((s) => s.stage), ['fit', 'load', 'dedupe', 'clean']);
  assert.deepEqual(agg.stages.map((s) => s.count), [2, 3, 1, 1]);
});

test('skipped stages are listed but not counted', () => {
  const failedEarly = recordOf(simpleRunEvents('f', 0, [['load', 'fail'], ['fit', 10]]));
  const agg = aggregateRuns([failedEarly]);
  const fit = agg.stages.find((s) => s.stage === 'fit')!;
  assert.equal(fit.count, 0);
  assert.equal(fit.meanMs, 0);
  assert.equal(fit.failureRate, 0);
  assert.deepEqual(aggregateRuns([]), { runs: 0, failed: 0, failureRate: 0, stages: [] });
});

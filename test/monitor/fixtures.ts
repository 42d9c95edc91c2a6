// Hand-written engine event sequences for the monitor tests.
import type { EngineEvent } from '../../runtime/engine/events';
import type { StageRef } from '../../runtime/vocabulary';

export const refs: Record<string, StageRef> = {
  impute: { stage: 'impute', uses: 'impute', section: 'feature', index: 0, line: 5 },
  scale: { stage: 'scale', uses: 'standard-scale', section: 'feature', index: 1, line: 8 },
  fit: { stage: 'fit', uses: 'logistic-regression', section: 'training', index: 2, line: 12 },
  evaluate: { stage: 'evaluate', uses: 'classification-metrics', section: 'training', index: 3, line: 16 },
};

/**
 * Two sections: impute ok; scale fails twice with TransientError then succeeds on the
 * third attempt; fit fails with a DataError (not retried) so evaluate never runs.
 */
export function failingRunEvents(runId = 'r1'): EngineEvent[] {
  const { impute, scale, fit } = refs;
  return [
    { type: 'run-start', runId, pipeline: 'churn', file: '/p/churn.pipeline.yaml', mode: 'train', time: 1000, stages: Object.values(refs) },
    { type: 'log', runId, time: 1000, message: 'loading data' },
    { type: 'warning', runId, time: 1000, message: 'data file is older than the pipeline', code: 'stale-data' },
    { type: 'section-start', runId, section: 'feature', time: 1000 },
    { type: 'stage-start', runId, ref: impute, time: 1000, rowsIn: 1000, bytesIn: 16000 },
    { type: 'attempt-start', runId, ref: impute, attempt: 1, time: 1000 },
    { type: 'attempt-end', runId, ref: impute, attempt: 1, time: 1200, durationMs: 200, ok: true },
    { type: 'stage-end', runId, ref: impute, time: 1200, durationMs: 200, rowsIn: 1000, rowsOut: 1000, bytesIn: 16000, bytesOut: 16000, attempts: 1 },
    { type: 'stage-start', runId, ref: scale, time: 1200, rowsIn: 1000, bytesIn: 16000 },
    { type: 'attempt-start', runId, ref: scale, attempt: 1, time: 1200 },
    { type: 'warning', runId, ref: scale, time: 1250, message: "column 'age' has 3 outliers", code: 'outliers' },
    { type: 'attempt-end', runId, ref: scale, attempt: 1, time: 1300, durationMs: 100, ok: false, error: { name: 'TransientError', message: 'disk busy' }, retryInMs: 500 },
    { type: 'attempt-start', runId, ref: scale, attempt: 2, time: 1800 },
    { type: 'attempt-end', runId, ref: scale, attempt: 2, time: 1900, durationMs: 100, ok: false, error: { name: 'TransientError', message: 'disk busy again' }, retryInMs: 1000 },
    { type: 'attempt-start', runId, ref: scale, attempt: 3, time: 2900 },
    { type: 'progress', runId, ref: scale, time: 2950, fraction: 0.5 },
    { type: 'metric', runId, ref: scale, time: 2950, name: 'mean_shift', value: 0.5, step: 0 },
    { type: 'attempt-end', runId, ref: scale, attempt: 3, time: 3000, durationMs: 100, ok: true },
    { type: 'stage-end', runId, ref: scale, time: 3000, durationMs: 1800, rowsIn: 1000, rowsOut: 1000, bytesIn: 16000, bytesOut: 24000, attempts: 3 },
    { type: 'section-end', runId, section: 'feature', time: 3000 },
    { type: 'section-start', runId, section: 'training', time: 3000 },
    { type: 'stage-start', runId, ref: fit, time: 3000, rowsIn: 800, bytesIn: 12800 },
    { type: 'attempt-start', runId, ref: fit, attempt: 1, time: 3000 },
    { type: 'log', runId, ref: fit, time: 3100, message: 'epoch 1' },
    { type: 'step', runId, ref: fit, time: 3100, label: 'epoch', index: 0, values: { loss: 0.7 } },
    { type: 'metric', runId, ref: fit, time: 3100, name: 'loss', value: 0.7, step: 0 },
    { type: 'log', runId, ref: fit, time: 3200, message: 'epoch 2' },
    { type: 'step', runId, ref: fit, time: 3200, label: 'epoch', index: 1, values: { loss: 0.4 } },
    { type: 'metric', runId, ref: fit, time: 3200, name: 'loss', value: 0.4, step: 1 },
    { type: 'attempt-end', runId, ref: fit, attempt: 1, time: 3500, durationMs: 500, ok: false, error: { name: 'DataError', message: "column 'plan' has NaN" } },
    {
      type: 'stage-error', runId, ref: fit, time: 3500, durationMs: 500, attempts: 1,
      error: { name: 'DataError', message: "column 'plan' has NaN", stack: 'DataError: at fit' },
    },
    { type: 'run-end', runId, time: 3600, durationMs: 2600, status: 'failed', error: { name: 'DataError', message: "column 'plan' has NaN" } },
  ];
}

/** A run where every stage of `durations` succeeds in order, taking the given ms; 'fail' fails it. */
export function simpleRunEvents(runId: string, start: number, durations: [string, number | 'fail', number?][]): EngineEvent[] {
  const stages: StageRef[] = durations.map(([stage], index) => ({ stage, uses: stage, section: 'feature', index, line: index + 2 }));
  const events: EngineEvent[] = [{ type: 'run-start', runId, pipeline: 'p', file: '/p.pipeline.yaml', mode: 'train', time: start, stages }];
  let t = start;
  let failed = false;
  durations.forEach(([, d, attempts = 1], i) => {
    if (failed) return;
    const ref = stages[i];
    events.push({ type: 'stage-start', runId, ref, time: t, rowsIn: 100, bytesIn: 1000 });
    for (let a = 1; a <= attempts; a++) events.push({ type: 'attempt-start', runId, ref, attempt: a, time: t });
    if (d === 'fail') {
      failed = true;
      events.push({ type: 'stage-error', runId, ref, time: t + 10, durationMs: 10, attempts, error: { name: 'Error', message: 'boom' } });
      t += 10;
    } else {
      events.push({ type: 'stage-end', runId, ref, time: t + d, durationMs: d, rowsIn: 100, rowsOut: 50, bytesIn: 1000, bytesOut: 500, attempts });
      t += d;
    }
  });
  events.push({ type: 'run-end', runId, time: t, durationMs: t - start, status: failed ? 'failed' : 'ok' });
  return events;
}

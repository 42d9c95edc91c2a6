// Stopping a long built-in stage from outside it: the caller's AbortSignal and a retry
// policy's per-attempt timeout both rely on timers, which only run when the stage lets the
// event loop turn. logistic-regression's epoch loop does so through ctx.step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadPipeline } from '../../runtime/spec';
import { runPipeline } from '../../runtime/engine/run';
import { Store } from '../../runtime/store';
import { BASE_PIPELINE, workspace } from './fixture';

// Half a million epochs: tens of seconds of work, far more than the bounds below allow.
const LONG_FIT = BASE_PIPELINE.replace('epochs: 40', 'epochs: 500000');
const FIT_WITH = '    with: { epochs: "${params.epochs}", learning_rate: "${params.lr}" }\n';

test('aborting the caller signal from a timer stops a long logistic-regression fit promptly; no version is saved', async () => {
  assert.ok(LONG_FIT !== BASE_PIPELINE, 'the fixture still has epochs: 40');
  const ws = workspace(LONG_FIT);
  try {
    const spec = await loadPipeline(ws.file);
    const store = new Store(path.join(ws.dir, '.plumb'));
    const abort = new AbortController();
    let abortedAt = 0;
    let epochsSeen = 0;
    const result = await runPipeline(spec, {
      store,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type === 'stage-start' && e.ref.stage === 'fit') {
          setTimeout(() => {
            abortedAt = Date.now();
            abort.abort();
          }, 100);
        }
        if (e.type === 'step' && e.ref.stage === 'fit') epochsSeen++;
      },
    });
    const late = Date.now() - abortedAt;
    assert.ok(abortedAt > 0, 'the abort timer ran while the fit was running');
    assert.equal(result.status, 'cancelled', result.error?.message);
    assert.ok(late < 2000, `the run ended ${late} ms after the abort (bound 2 s)`);
    assert.ok(epochsSeen > 0 && epochsSeen < 500_000, `the fit was under way (${epochsSeen} epochs) and did not finish`);
    assert.equal(result.version, undefined);
    assert.equal((await store.listVersions(spec.name)).length, 0, 'no version saved');
    const fit = result.record.stages.find((s) => s.stage === 'fit');
    assert.ok(fit && fit.status !== 'ok', `the fit is not recorded as ok: ${fit?.status}`);
  } finally {
    ws.cleanup();
  }
});

test("a retry policy's per-attempt timeout ends a long fit with TimeoutError, each attempt recorded", async () => {
  assert.ok(LONG_FIT.includes(FIT_WITH), 'the fixture still has the fit stage');
  const ws = workspace(LONG_FIT.replace(FIT_WITH, `${FIT_WITH}    retry: { attempts: 2, backoff: immediate, timeout: 200ms }\n`));
  try {
    const spec = await loadPipeline(ws.file);
    const store = new Store(path.join(ws.dir, '.plumb'));
    const t0 = Date.now();
    const result = await runPipeline(spec, { store });
    const took = Date.now() - t0;
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.name, 'StageFailure', result.error?.message);
    assert.equal((result.error?.cause as Error | undefined)?.name, 'TimeoutError', result.error?.message);
    assert.ok(took < 10_000, `two 200 ms attempts took ${took} ms in all (bound 10 s)`);
    const fit = result.record.stages.find((s) => s.stage === 'fit')!;
    assert.equal(fit.attempts.length, 2);
    for (const a of fit.attempts) {
      assert.equal(a.ok, false);
      assert.equal(a.error?.name, 'TimeoutError');
    }
    assert.equal((await store.listVersions(spec.name)).length, 0, 'no version saved');
  } finally {
    ws.cleanup();
  }
});

// Controller directives from inside a running stage: atStep may abandon the stage
// (rerun / goto), retryAttempt is awaited before each backoff wait. The engine's
// StageInterrupt is never retried and never recorded as a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline } from '../../runtime/spec';
import { runPipeline } from '../../runtime/engine/run';
import { workspace } from './fixture';

test('atStep returning rerun abandons the stage and runs it again with edited params, without a retry or an error', async () => {
  const ws = workspace();
  try {
    const spec = await loadPipeline(ws.file);
    let reruns = 0;
    const stepsPerRun: number[] = [0];
    const types: string[] = [];
    const result = await runPipeline(spec, {
      store: false,
      onEvent: (e) => {
        if (('ref' in e && e.ref?.stage === 'fit') || e.type === 'run-end') types.push(e.type);
      },
      controller: {
        beforeStage(p) {
          if (p.ref.stage === 'fit') stepsPerRun.push(0);
        },
        atStep(p) {
          stepsPerRun[stepsPerRun.length - 1]++;
          if (p.index === 2 && reruns === 0) {
            reruns++;
            p.params.epochs = 5;
            return { action: 'rerun' };
          }
        },
      },
    });
    assert.equal(result.status, 'ok');
    assert.deepEqual(stepsPerRun.slice(1), [3, 5], 'abandoned at the third epoch, then five epochs with the edited param');
    assert.ok(!types.includes('stage-error'));
    assert.equal(types.filter((t) => t === 'attempt-end').length, 1, 'the abandoned run is not an attempt');
    const fit = result.record.stages.find((s) => s.stage === 'fit')!;
    assert.equal(fit.status, 'ok');
    assert.equal(fit.attempts.length, 1);
  } finally {
    ws.cleanup();
  }
});

test('atStep goto returns to an earlier stage; retryAttempt is awaited before each backoff and may rerun', async () => {
  const ws = workspace();
  try {
    ws.write('stages/flaky.ts', `import { TransientError } from 'plumb';\nexport default function (input: unknown, ctx: { attempt: number }) { if (ctx.attempt < 3) throw new TransientError('try ' + ctx.attempt); return input; }\n`);
    ws.write('flaky.pipeline.yaml', `pipeline: flaky
feature:
  - stage: first
    uses: ./stages/flaky.ts
    retry: { attempts: 5, backoff: fixed, initial: 1ms }
`);
    const spec = await loadPipeline(ws.dir + '/flaky.pipeline.yaml', { checkData: false });
    const seen: [number, number][] = [];
    let restarted = false;
    const result = await runPipeline(spec, {
      store: false,
      controller: {
        async retryAttempt(p) {
          seen.push([p.attempt, p.delayMs]);
          await new Promise((r) => setTimeout(r, 5));
          if (p.attempt === 2 && !restarted) {
            restarted = true;
            return { action: 'rerun' }; // attempts start over at 1
          }
        },
      },
    });
    assert.equal(result.status, 'ok');
    assert.deepEqual(seen, [[1, 1], [2, 1], [1, 1], [2, 1]]);

    // goto from a step: back to the first stage of the toy pipeline.
    const toy = await loadPipeline(ws.file);
    const befores: string[] = [];
    let jumped = false;
    await runPipeline(toy, {
      store: false,
      controller: {
        beforeStage: (p) => void befores.push(p.ref.stage),
        atStep: () => {
          if (!jumped) {
            jumped = true;
            return { action: 'goto', index: 1 };
          }
        },
      },
    });
    assert.deepEqual(befores, ['impute', 'scale', 'encode', 'split', 'fit', 'scale', 'encode', 'split', 'fit', 'evaluate']);
  } finally {
    ws.cleanup();
  }
});

// Stepping through the real session host: next, stepIn into epochs, stepOut, pause,
// restartFrame after editing a param, stepBack, reverseContinue, stopAfterStage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionEvent } from '../../runtime/debug/protocol';
import { BASE_PIPELINE, Session, lineOf, workspace } from './helpers';

const text = BASE_PIPELINE;
type Monitor = { type: string; name?: string; ref?: { stage: string } };
const monitorOf = (e: SessionEvent): Monitor | undefined => (e.event === 'monitor' ? (e.data as Monitor) : undefined);

/** 'loss' metric events of stage fit since its latest stage-start. */
function lossPointsSinceLastStart(events: SessionEvent[]): number {
  let n = 0;
  for (const e of events) {
    const m = monitorOf(e);
    if (m?.type === 'stage-start' && m.ref?.stage === 'fit') n = 0;
    if (m?.type === 'metric' && m.name === 'loss') n++;
  }
  return n;
}

test('entry, next, stepIn into epochs, next between epochs, stepOut, next, stepOut to the next section', async () => {
  const ws = workspace();
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file, stopOnEntry: true });
    const entry = await s.stopped();
    assert.equal(entry.reason, 'entry');
    assert.equal(entry.line, lineOf(text, 'stage: impute'));

    await s.client.request({ cmd: 'resume', kind: 'next' });
    assert.equal((await s.stopped()).line, lineOf(text, 'stage: scale'));

    // stepOut from a stage boundary: before the first stage of the next section.
    await s.client.request({ cmd: 'resume', kind: 'stepOut' });
    assert.equal((await s.stopped()).line, lineOf(text, 'stage: split'));

    await s.client.request({ cmd: 'resume', kind: 'stepIn' }); // split has no inner steps: like next
    await s.stopped();
    assert.equal((await s.where()).stage, 'fit · logistic-regression');

    await s.client.request({ cmd: 'resume', kind: 'stepIn' });
    const epoch1 = await s.stopped();
    assert.equal(epoch1.reason, 'step');
    let w = await s.where();
    assert.equal(w.frames[0].kind, 'step');
    assert.match(w.top, /^epoch 1 {2}loss=\d\.\d{4}$/);
    assert.deepEqual(w.frames.map((f) => f.kind), ['step', 'stage', 'section', 'pipeline']);
    assert.equal(w.frames[2].name, 'training');
    assert.equal(w.frames[3].name, 'toy (train)');
    const stepScope = (await s.client.request({ cmd: 'scopes', frameId: w.frames[0].id })).scopes[0];
    const stepVars = (await s.client.request({ cmd: 'variables', ref: stepScope.ref })).variables;
    assert.equal(stepVars.find((v) => v.name === 'epoch')?.value, '1');

    await s.client.request({ cmd: 'resume', kind: 'next' });
    await s.stopped();
    assert.match((await s.where()).top, /^epoch 2 /);
    const ev = await s.client.request({ cmd: 'evaluate', expression: 'step.epoch * 10' });
    assert.equal(ev.result, '20');

    await s.client.request({ cmd: 'resume', kind: 'stepOut' });
    const after = await s.stopped();
    assert.match(after.description, /after stage 'fit'/);
    const { scopes } = await s.client.request({ cmd: 'scopes', frameId: (await s.where()).frames[0].id });
    assert.ok(scopes.some((x) => x.name === 'Output'), 'Output is there after the stage ran');
    assert.ok(scopes.some((x) => x.name === 'Model'));

    await s.client.request({ cmd: 'resume', kind: 'next' });
    assert.equal((await s.stopped()).line, lineOf(text, 'stage: evaluate'));
    await s.client.request({ cmd: 'resume', kind: 'next' }); // last stage: stop after it
    assert.match((await s.stopped()).description, /after stage 'evaluate'/);
    await s.client.request({ cmd: 'resume', kind: 'next' });
    assert.equal((await s.ended()).status, 'ok');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('restartFrame after setVariable re-runs the stage with the edited param (after it and inside its epochs)', async () => {
  const ws = workspace();
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file, stopAfterStage: 'fit' });
    const stop = await s.stopped();
    assert.match(stop.description, /after stage 'fit'/);
    assert.equal(lossPointsSinceLastStart(s.events), 40);

    const params = await s.scope('Params');
    const epochs = (await s.client.request({ cmd: 'variables', ref: params })).variables.find((v) => v.name === 'epochs');
    assert.equal(epochs?.value, '40');
    assert.equal(epochs?.editable, true);
    await assert.rejects(s.client.request({ cmd: 'setVariable', ref: params, name: 'epochs', value: 'many' }), /epochs/);
    await assert.rejects(s.client.request({ cmd: 'setVariable', ref: params, name: 'epoch', value: '3' }), /epoch/);
    const set = await s.client.request({ cmd: 'setVariable', ref: params, name: 'epochs', value: '7' });
    assert.equal(set.value, '7');

    const stage = (await s.where()).frames.find((f) => f.kind === 'stage')!;
    await s.client.request({ cmd: 'restartFrame', frameId: stage.id });
    const restarted = await s.stopped();
    assert.equal(restarted.reason, 'restart');
    assert.equal(lossPointsSinceLastStart(s.events), 7);
    // Stale references after a resume are refused.
    await assert.rejects(s.client.request({ cmd: 'variables', ref: params }), /stale reference/);

    // Inside the epochs: stepBack to before fit, stepIn to epoch 1, edit, restart.
    await s.client.request({ cmd: 'resume', kind: 'stepBack' });
    assert.equal((await s.stopped()).line, lineOf(text, 'stage: fit'));
    await s.client.request({ cmd: 'resume', kind: 'stepIn' });
    await s.stopped();
    const w = await s.where();
    assert.equal(w.frames[0].kind, 'step');
    await s.client.request({ cmd: 'setVariable', ref: await s.scope('Params'), name: 'epochs', value: '3' });
    await s.client.request({ cmd: 'restartFrame', frameId: w.frames[1].id });
    assert.equal((await s.stopped()).reason, 'restart');
    assert.equal(lossPointsSinceLastStart(s.events), 3);
    const model = await s.client.request({ cmd: 'evaluate', expression: 'model.kind' });
    assert.equal(model.result, '"logistic-regression"');

    await s.client.request({ cmd: 'resume', kind: 'continue' });
    assert.equal((await s.ended()).status, 'ok');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('pause stops inside a long stage; reverseContinue goes back to the nearest breakpoint', async () => {
  const ws = workspace(BASE_PIPELINE.replace('epochs: 40', 'epochs: 200000'));
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file }, async () => {
      await s.client.request({ cmd: 'setBreakpoints', file: ws.file, breakpoints: [{ line: lineOf(text, 'stage: scale') }] });
    });
    assert.equal((await s.stopped()).line, lineOf(text, 'stage: scale'));
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    await s.next((e) => monitorOf(e)?.type === 'step', 'an epoch of fit');
    await s.client.request({ cmd: 'pause' });
    const paused = await s.stopped();
    assert.equal(paused.reason, 'pause');
    assert.equal((await s.where()).frames[0].kind, 'step');

    await s.client.request({ cmd: 'resume', kind: 'reverseContinue' });
    const back = await s.stopped();
    assert.equal(back.line, lineOf(text, 'stage: scale'));
    assert.equal(back.reason, 'breakpoint');
    // Back at scale, its input is the snapshot from before scale: still unscaled.
    const mean = await s.client.request({ cmd: 'evaluate', expression: 'input.y.mean > 0.5' });
    assert.equal(mean.result, 'true');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('noDebug runs through breakpoints and still reports monitor and output events', async () => {
  const ws = workspace();
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file, noDebug: true, stopOnEntry: true }, async () => {
      await s.client.request({ cmd: 'setBreakpoints', file: ws.file, breakpoints: [{ line: lineOf(text, 'stage: scale') }] });
    });
    const end = await s.ended();
    assert.equal(end.status, 'ok');
    assert.ok(!s.events.some((e) => e.event === 'stopped'));
    assert.ok(s.events.some((e) => monitorOf(e)?.type === 'stage-end'));
    assert.ok(s.events.some((e) => e.event === 'progressStart'));
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('stopAfterStage: an unknown name is refused with the closest name and the stages that run (as plumb run --stop-after)', async () => {
  const ws = workspace();
  const s = await Session.open();
  try {
    await assert.rejects(
      s.client.request({ cmd: 'start', config: { pipeline: ws.file, stopAfterStage: 'fitt' } }),
      /stopAfterStage: no stage 'fitt' runs in train mode \(did you mean 'fit'\?\) \(stages: impute, scale, .*fit/,
    );
  } finally {
    await s.close();
    ws.cleanup();
  }
});

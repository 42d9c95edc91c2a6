// Stepping through stages with the built adapter: next, stepIn into epochs, stepOut,
// pause, restartFrame after editing a param, stepBack, and the shape of the stack.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { byName, launch, lineOf, sessionPerTest, scopesByName, topFrame, vars, type Fixtures, type Session } from './helpers';
import { tableParts, tableRows } from './tables';

describe('adapter: stepping', () => {
  let fx: Fixtures;
  let s: Session;
  let file: string;
  const args = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ pipeline: file, store: fx.file('.plumb'), ...extra });

  sessionPerTest((f, session) => {
    fx = f;
    s = session;
    file = fx.file('basic.pipeline.yaml');
  });

  it('stops on entry before the first stage, and next runs one stage', async () => {
    await launch(s, args({ stopOnEntry: true }));
    const entry = await s.nextStop();
    assert.equal(entry.body.reason, 'entry');
    assert.equal(entry.body.threadId, 1);
    assert.equal((await topFrame(s)).line, lineOf(file, '- stage: impute'));
    const threads = await s.dc.threadsRequest();
    assert.deepEqual(threads.body.threads.map((t) => t.name), ['basic (train)']);

    await s.dc.nextRequest({ threadId: 1 });
    const stepped = await s.nextStop();
    assert.equal(stepped.body.reason, 'step');
    assert.equal((await topFrame(s)).line, lineOf(file, '- stage: scale'));
  });

  it('frames run innermost first: step → stage → section → pipeline, each at its line', async () => {
    const loop = lineOf(file, '- stage: train_loop');
    await launch(s, args(), async () => {
      await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: loop }] });
    });
    await s.nextStop();
    await s.dc.stepInRequest({ threadId: 1 });
    const st = await s.nextStop();
    assert.equal(st.body.reason, 'step');
    const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frames.length, 4, frames.map((f) => f.name).join(' | '));
    assert.match(frames[0].name, /^epoch/);
    assert.match(frames[1].name, /train_loop/);
    assert.match(frames[2].name, /training/);
    assert.match(frames[3].name, /basic/);
    assert.equal(frames[1].line, loop);
    assert.equal(frames[2].line, lineOf(file, 'training:'));
    assert.equal(frames[3].line, lineOf(file, 'pipeline: basic'));
    // Every frame, the epoch's included, points at the pipeline file: that is where a
    // stage's line is (the stage module has no stop points of its own).
    for (const f of frames) assert.deepEqual([f.name, f.source?.name, f.source?.path], [f.name, 'basic.pipeline.yaml', file]);
    assert.equal(frames[0].line, loop, 'an inner step sits at its stage line');
    // Delayed loading: a window of the stack.
    const window = await s.dc.stackTraceRequest({ threadId: 1, startFrame: 1, levels: 2 });
    assert.deepEqual(window.body.stackFrames.map((f) => f.id), [frames[1].id, frames[2].id]);
    assert.equal(window.body.totalFrames, 4);
  });

  it('stepIn walks the epochs of a stage; stepOut leaves it', async () => {
    await launch(s, args(), async () => {
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'train_loop' }] });
    });
    assert.equal((await s.nextStop()).body.reason, 'function breakpoint');
    const labels: string[] = [];
    for (let i = 0; i < 2; i++) {
      await s.dc.stepInRequest({ threadId: 1 });
      await s.nextStop();
      const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      assert.equal(frames.length, 4, 'an inner step sits above the stage frame');
      labels.push(frames[0].name);
    }
    assert.notEqual(labels[0], labels[1], `each stepIn moves to the next epoch: ${labels.join(', ')}`);
    assert.ok(labels.every((l) => /^epoch/.test(l)), labels.join(', '));

    await s.dc.stepOutRequest({ threadId: 1 });
    await s.nextStop();
    const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frames.length, 3, `stepOut leaves the inner steps: ${frames.map((f) => f.name).join(' | ')}`);
    assert.match(frames[0].name, /^(train_loop|finish)\b/);
  });

  it('pause stops a running pipeline at the next inner step of the running stage', async () => {
    await launch(s, args({ params: { epochs: 100_000_000 } }));
    // Wait until train_loop (a hundred million epochs) is running; pause stops at its next epoch.
    for (;;) {
      const e = await s.next('plumb/monitor');
      const d = e.body as { type?: string; ref?: { stage?: string } };
      if (d.type === 'stage-start' && d.ref?.stage === 'train_loop') break;
    }
    await s.dc.pauseRequest({ threadId: 1 });
    const st = await s.nextStop();
    assert.equal(st.body.reason, 'pause');
    const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.match(frames[0].name, /^epoch\b/, frames.map((f) => f.name).join(' | '));
    assert.match(frames[1].name, /^train_loop\b/);
    assert.equal(frames.length, 4);
  });

  it('restartFrame on a stage that has run re-runs it with a param changed by setVariable', async () => {
    await launch(s, args({ stopAfterStage: 'train_loop' }));
    await s.nextStop();
    const frame = await topFrame(s);
    assert.match(frame.name, /^train_loop\b/);
    const before = await firstRow(s, 'Output');
    near(before.score, before.x * 2);
    await setParam(s, frame.id, 'factor', '7');
    await s.dc.restartFrameRequest({ frameId: frame.id });
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'restart');
    const again = await topFrame(s);
    assert.match(again.name, /^train_loop\b/);
    const after = await firstRow(s, 'Output');
    assert.equal(after.x, before.x);
    near(after.score, after.x * 7);
  });

  it('restartFrame from an epoch (inner step) abandons the stage and re-runs it with the edited param', async () => {
    await launch(s, args(), async () => {
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'train_loop' }] });
    });
    await s.nextStop();
    await s.dc.stepInRequest({ threadId: 1 });
    await s.nextStop();
    const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.match(frames[0].name, /^epoch\b/);
    // Params belong to the stage frame; the epoch frame is what gets restarted.
    await setParam(s, frames[1].id, 'factor', '7');
    await s.dc.restartFrameRequest({ frameId: frames[0].id });
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'restart');
    const after = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.match(after[0].name, /^train_loop\b/, 'stopped after the re-run stage, not at an epoch');
    const row = await firstRow(s, 'Output');
    near(row.score, row.x * 7);
  });

  // Stopped *before* train_loop, restartFrame runs it (once) with the edited param; the
  // re-run of a stage that already ran is checked by the two tests above.
  it('restartFrame before a stage (after stepBack) runs it with a param changed by setVariable', async () => {
    await launch(s, args(), async () => {
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'finish' }] });
    });
    await s.nextStop();
    // Before 'finish': its input is train_loop's output, score = x * factor (2).
    const before = await firstRow(s);
    near(before.score, before.x * 2);

    // Go back to train_loop, change its factor, and re-run it.
    await s.dc.stepBackRequest({ threadId: 1 });
    await s.nextStop();
    let frame = await topFrame(s);
    assert.match(frame.name, /train_loop/);
    const scopes = await scopesByName(s, frame.id);
    const params = scopes.get('Params');
    assert.ok(params, `scopes: ${[...scopes.keys()].join(', ')}`);
    const set = await s.dc.setVariableRequest({ variablesReference: params.variablesReference, name: 'factor', value: '5' });
    assert.equal(set.body.value, '5');
    frame = await topFrame(s);
    await s.dc.restartFrameRequest({ frameId: frame.id });
    await s.nextStop();
    // Run on to 'finish' again and look at what reaches it.
    while (!/finish/.test((await topFrame(s)).name)) {
      await s.dc.nextRequest({ threadId: 1 });
      await s.nextStop();
    }
    const after = await firstRow(s);
    assert.equal(after.x, before.x);
    near(after.score, after.x * 5);
  });

  it('stepBack returns to the previous stage with its input', async () => {
    await launch(s, args({ stopOnEntry: true }));
    await s.nextStop();
    await s.dc.nextRequest({ threadId: 1 });
    await s.nextStop();
    assert.equal((await topFrame(s)).line, lineOf(file, '- stage: scale'));
    await s.dc.stepBackRequest({ threadId: 1 });
    await s.nextStop();
    const frame = await topFrame(s);
    assert.equal(frame.line, lineOf(file, '- stage: impute'));
    // The snapshot before 'impute' still has its missing x values.
    const scopes = await scopesByName(s, frame.id);
    const input = scopes.get('Input');
    assert.ok(input);
    const columns = byName(await tableParts(s, input.variablesReference), 'columns');
    const x = byName(await vars(s, columns.variablesReference), 'x');
    assert.doesNotMatch(x.value, /\b0 missing/);
  });
});

async function setParam(s: Session, frameId: number, name: string, value: string): Promise<void> {
  const scopes = await scopesByName(s, frameId);
  const params = scopes.get('Params');
  assert.ok(params, `scopes: ${[...scopes.keys()].join(', ')}`);
  const set = await s.dc.setVariableRequest({ variablesReference: params.variablesReference, name, value });
  assert.equal(set.body.value, value);
}

/** x and score of the first row of the top frame's Input (or Output) table. */
async function firstRow(s: Session, scopeName: 'Input' | 'Output' = 'Input'): Promise<Record<string, number>> {
  const frame = await topFrame(s);
  const scopes = await scopesByName(s, frame.id);
  const input = scopes.get(scopeName);
  assert.ok(input, `scopes: ${[...scopes.keys()].join(', ')}`);
  const rows = await tableRows(s, input.variablesReference);
  const row = (await vars(s, rows.variablesReference, { start: 0, count: 1 }))[0];
  const cells = await vars(s, row.variablesReference);
  return Object.fromEntries(cells.filter((c) => c.name === 'x' || c.name === 'score').map((c) => [c.name, Number(c.value)]));
}

/** Values cross the protocol rounded to 6 significant digits. */
function near(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= 1e-4 * Math.max(1, Math.abs(expected)), `${actual} ≉ ${expected}`);
}

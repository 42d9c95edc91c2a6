// Sub-pipelines in the session host: a breakpoint in a sub file included twice binds to
// both places; logpoints and stage output name the sub file; stepOut leaves the group,
// and from the group's last stage falls back to the section rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { BASE_PIPELINE, Session, lineOf, workspace } from './helpers';
import { PREP_PIPELINE as PREP, baseWithStagesInstead } from '../engine/fixture';

// impute + scale replaced by the same sub-pipeline included twice.
const TWICE = baseWithStagesInstead(
  `  - stage: a
    uses: ./shared/prep.pipeline.yaml
  - stage: b
    uses: ./shared/prep.pipeline.yaml
    with: { strategy: median }
`,
);

test('a breakpoint in a sub file included twice stops at both places; logpoints name the sub file', async () => {
  assert.notEqual(TWICE, BASE_PIPELINE);
  const ws = workspace(TWICE);
  const sub = ws.write('shared/prep.pipeline.yaml', PREP);
  const s = await Session.open();
  try {
    const start = (await s.client.request({ cmd: 'start', config: { pipeline: ws.file } })) as { stages: { name: string; file?: string }[] };
    assert.deepEqual(start.stages.slice(0, 4).map((x) => [x.name, x.file]), [
      ['a/impute', sub],
      ['a/scale', sub],
      ['b/impute', sub],
      ['b/scale', sub],
    ]);
    const { breakpoints } = await s.client.request({
      cmd: 'setBreakpoints',
      file: sub,
      breakpoints: [{ line: lineOf(PREP, 'stage: scale') }, { line: lineOf(PREP, 'stage: impute'), logMessage: 'strategy={params.strategy}' }],
    });
    assert.ok(breakpoints.every((b) => b.verified), JSON.stringify(breakpoints));
    await s.client.request({ cmd: 'configurationDone' });

    const first = await s.stopped();
    assert.equal(first.file, sub);
    assert.equal(first.line, lineOf(PREP, 'stage: scale'));
    const w1 = await s.where();
    assert.equal(w1.stage, 'a/scale · standard-scale');
    assert.deepEqual(w1.frames.map((f) => f.kind), ['stage', 'group', 'section', 'pipeline']);
    assert.equal(w1.frames[1].line, lineOf(TWICE, 'stage: a'));

    await s.client.request({ cmd: 'resume', kind: 'continue' });
    await s.stopped();
    const w2 = await s.where();
    assert.equal(w2.stage, 'b/scale · standard-scale');
    assert.equal(w2.frames[1].line, lineOf(TWICE, 'stage: b'));

    const logs = s.events.filter((e): e is Extract<typeof e, { event: 'output' }> => e.event === 'output' && /^strategy=/.test(e.text));
    assert.deepEqual(logs.map((e) => [e.text.trim(), e.file && path.relative(ws.dir, e.file), e.line]), [
      ['strategy=mean', 'shared/prep.pipeline.yaml', lineOf(PREP, 'stage: impute')],
      ['strategy=median', 'shared/prep.pipeline.yaml', lineOf(PREP, 'stage: impute')],
    ]);

    // stepOut from inside group b: before the first stage after it.
    await s.client.request({ cmd: 'resume', kind: 'stepOut' });
    await s.stopped();
    assert.equal((await s.where()).stage, 'encode · one-hot');
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    assert.equal((await s.ended()).status, 'ok');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('a function breakpoint on a group name stops before its first stage; stepOut from inside goes past the group', async () => {
  const ws = workspace(TWICE);
  ws.write('shared/prep.pipeline.yaml', PREP);
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file }, async () => {
      const fn = await s.client.request({ cmd: 'setFunctionBreakpoints', breakpoints: [{ name: 'a' }] });
      assert.equal(fn.breakpoints[0].verified, true, fn.breakpoints[0].message);
      assert.equal(fn.breakpoints[0].line, lineOf(TWICE, 'stage: a'));
    });
    await s.stopped();
    assert.equal((await s.where()).stage, 'a/impute · impute');
    await s.client.request({ cmd: 'resume', kind: 'stepOut' });
    await s.stopped();
    assert.equal((await s.where()).stage, 'b/impute · impute', 'the first stage after group a (another group)');
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    assert.equal((await s.ended()).status, 'ok');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('stopAfterStage with a group name (a CodeLens on an including stage) stops after its last stage', async () => {
  const ws = workspace(TWICE);
  ws.write('shared/prep.pipeline.yaml', PREP);
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file, stopAfterStage: 'a' });
    const stop = await s.stopped();
    assert.match(stop.description, /after stage 'a\/scale'/);
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    assert.equal((await s.ended()).status, 'ok');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('breakpoints sent before start are placed at start, each "changed" event naming its own file', async () => {
  const ws = workspace(TWICE);
  const sub = ws.write('shared/prep.pipeline.yaml', PREP);
  const s = await Session.open();
  try {
    const early = await s.client.request({ cmd: 'setFunctionBreakpoints', breakpoints: [{ name: 'a/scale' }, { name: 'b' }] });
    assert.deepEqual(early.breakpoints.map((b) => b.verified), [false, false], 'not placed before the pipeline is loaded');
    await s.client.request({ cmd: 'start', config: { pipeline: ws.file } });
    const changed = s.events.filter((e): e is Extract<typeof e, { event: 'breakpoint' }> => e.event === 'breakpoint').map((e) => e.breakpoint);
    assert.deepEqual(changed.map((b) => [b.verified, b.file, b.line]), [
      [true, sub, lineOf(PREP, 'stage: scale')],
      [true, ws.file, lineOf(TWICE, 'stage: b')],
    ]);
  } finally {
    await s.close();
    ws.cleanup();
  }
});

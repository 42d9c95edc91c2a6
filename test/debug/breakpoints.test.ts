// Breakpoints through the real session host: line mapping, conditions, hit counts,
// logpoints, function breakpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_PIPELINE, Session, lineOf, pidAlive, workspace } from './helpers';

// The base pipeline with a blank line and a comment inside the 'scale' block.
const SPACED = BASE_PIPELINE.replace('  - stage: scale\n    uses: standard-scale\n', '  - stage: scale\n    uses: standard-scale\n\n    # scaled features\n');

test('a line inside a stage block maps to its stage line; elsewhere is unverified; it stops there', async () => {
  const ws = workspace(SPACED);
  const s = await Session.open();
  try {
    const text = SPACED;
    const stageLine = lineOf(text, 'stage: scale');
    const blank = lineOf(text, '# scaled features') - 1;
    const comment = blank + 1;
    await s.client.request({ cmd: 'start', config: { pipeline: ws.file } });
    const { breakpoints } = await s.client.request({
      cmd: 'setBreakpoints',
      file: ws.file,
      breakpoints: [{ line: blank }, { line: comment }, { line: lineOf(text, 'params:') }, { line: lineOf(text, 'uses: logistic-regression') }],
    });
    assert.equal(breakpoints[0].verified, true);
    assert.equal(breakpoints[0].line, stageLine);
    assert.equal(breakpoints[0].column, text.split('\n')[stageLine - 1].indexOf('scale') + 1);
    assert.equal(breakpoints[0].endColumn, breakpoints[0].column! + 'scale'.length);
    assert.equal(breakpoints[1].line, stageLine, 'a comment line in the block maps to the stage too');
    assert.equal(breakpoints[2].verified, false);
    assert.match(breakpoints[2].message!, /no stage on this line/);
    assert.equal(breakpoints[3].line, lineOf(text, 'stage: fit'));

    // Another file's call does not clear these; its own breakpoints are unverified.
    const other = await s.client.request({ cmd: 'setBreakpoints', file: ws.write('stages/x.ts', 'export default 1;\n'), breakpoints: [{ line: 1 }] });
    assert.equal(other.breakpoints[0].verified, false);
    assert.ok(other.breakpoints[0].message);

    const fn = await s.client.request({ cmd: 'setFunctionBreakpoints', breakpoints: [{ name: 'nosuch' }, { name: 'training' }] });
    assert.equal(fn.breakpoints[0].verified, false);
    assert.match(fn.breakpoints[0].message!, /no stage or section named 'nosuch'/);
    assert.equal(fn.breakpoints[1].line, lineOf(text, 'stage: fit'), 'a section name means its first stage');

    await s.client.request({ cmd: 'configurationDone' });
    const first = await s.stopped();
    assert.equal(first.reason, 'breakpoint');
    assert.equal(first.line, stageLine);
    assert.deepEqual(first.hitBreakpointIds?.sort(), [breakpoints[0].id, breakpoints[1].id].sort());
    assert.equal((await s.where()).stage, 'scale · standard-scale');
    assert.equal((await s.where()).frames.find((f) => f.kind === 'section')!.name, 'feature');

    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const second = await s.stopped();
    assert.equal(second.line, lineOf(text, 'stage: fit'));
    assert.equal(second.hitBreakpointIds?.length, 2, 'the function breakpoint and the line breakpoint on fit');

    // A breakpoint on a feature stage stops in its fit and again in the held-out replay.
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const third = await s.stopped();
    assert.equal(third.line, stageLine);
    const replay = await s.where();
    assert.equal(replay.frames.find((f) => f.kind === 'section')!.name, 'feature · held-out replay');
    assert.equal(replay.frames.find((f) => f.kind === 'section')!.line, lineOf(text, 'feature:'));
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const end = await s.ended();
    assert.equal(end.status, 'ok');
    assert.equal(end.exitCode, 0);
    assert.equal(end.version, 1);
  } finally {
    await s.close();
    assert.equal(pidAlive(s.client.pid), false);
    ws.cleanup();
  }
});

test('conditions, a condition that throws, hit counts (with stepBack), and logpoints', async () => {
  const ws = workspace();
  const s = await Session.open();
  try {
    const text = BASE_PIPELINE;
    await s.launch({ pipeline: ws.file }, async () => {
      const { breakpoints } = await s.client.request({
        cmd: 'setBreakpoints',
        file: ws.file,
        breakpoints: [
          { line: lineOf(text, 'stage: impute'), logMessage: 'rows={input.rows} strategy={params.strategy} mean={input.x.mean > 1}' },
          { line: lineOf(text, 'stage: scale'), condition: 'input.rows > 1000' },
          { line: lineOf(text, 'stage: encode'), condition: "params.columns[0] == 'plan' && input.cols == 4", hitCondition: '== 2' },
          { line: lineOf(text, 'stage: evaluate'), condition: 'nosuch.value > 1' },
          { line: lineOf(text, 'stage: predict') },
          { line: lineOf(text, 'stage: fit'), hitCondition: 'often' },
        ],
      });
      assert.equal(breakpoints[4].verified, true, 'predict runs in train mode too: on the held-out rows');
      assert.equal(breakpoints[5].verified, false);
      assert.match(breakpoints[5].message!, /hit condition/);
    });

    // encode's first arrival (the fit) is hit 1; its second (the held-out replay) satisfies '== 2'.
    const encode = await s.stopped();
    assert.equal(encode.line, lineOf(text, 'stage: encode'), 'scale (condition false) did not stop; encode on its second hit did');
    assert.equal((await s.where()).frames.find((f) => f.kind === 'section')!.name, 'feature · held-out replay');
    const logs = s.events.filter((e) => e.event === 'output' && e.text.startsWith('rows='));
    // The logpoint ran in the fit (150 training rows) and in the replay (50 held-out rows).
    assert.deepEqual(logs.map((e) => e.event === 'output' && e.text), ['rows=150 strategy=median mean=true\n', 'rows=50 strategy=median mean=true\n']);
    assert.equal(logs[0].event === 'output' && logs[0].line, lineOf(text, 'stage: impute'));
    assert.ok(!s.events.some((e) => e.event === 'stopped' && e.line === lineOf(text, 'stage: impute')), 'a logpoint does not stop');

    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const predict = await s.stopped();
    assert.equal(predict.line, lineOf(text, 'stage: predict'));
    assert.equal((await s.where()).frames.find((f) => f.kind === 'section')!.name, 'inference · held-out replay');

    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const evaluate = await s.stopped();
    assert.equal(evaluate.line, lineOf(text, 'stage: evaluate'), 'the throwing condition stops');
    const why = s.events.find((e) => e.event === 'output' && e.text.includes("condition 'nosuch.value > 1'"));
    assert.ok(why && why.event === 'output' && /nosuch is not defined/.test(why.text));

    // Back to predict, then back to encode, still in the held-out replay.
    await s.client.request({ cmd: 'resume', kind: 'stepBack' });
    assert.equal((await s.stopped()).line, lineOf(text, 'stage: predict'));
    await s.client.request({ cmd: 'resume', kind: 'stepBack' });
    assert.equal((await s.stopped()).line, lineOf(text, 'stage: encode'));
    assert.equal((await s.where()).frames.find((f) => f.kind === 'section')!.name, 'feature · held-out replay');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('with cross-validation a breakpoint on fit stops once per fold and for the final fit; the section frame names the fold', async () => {
  const text = BASE_PIPELINE.replace('split: { test: 0.25, seed: "${params.seed}" }', 'split: { test: 0.25, folds: 3 }');
  const ws = workspace(text);
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file }, async () => {
      await s.client.request({ cmd: 'setBreakpoints', file: ws.file, breakpoints: [{ line: lineOf(text, 'stage: fit') }] });
    });
    const sections: string[] = [];
    for (let k = 0; k < 4; k++) {
      const stop = await s.stopped();
      assert.equal(stop.line, lineOf(text, 'stage: fit'));
      sections.push((await s.where()).frames.find((f) => f.kind === 'section')!.name);
      await s.client.request({ cmd: 'resume', kind: 'continue' });
    }
    assert.deepEqual(sections, ['training · fold 1/3', 'training · fold 2/3', 'training · fold 3/3', 'training']);
    const end = await s.ended();
    assert.equal(end.status, 'ok');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

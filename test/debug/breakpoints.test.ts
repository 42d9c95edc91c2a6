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
    assert.equal(fn.breakpoints[1].line, lineOf(text, 'stage: split'), 'a section name means its first stage');

    await s.client.request({ cmd: 'configurationDone' });
    const first = await s.stopped();
    assert.equal(first.reason, 'breakpoint');
    assert.equal(first.line, stageLine);
    assert.deepEqual(first.hitBreakpointIds?.sort(), [breakpoints[0].id, breakpoints[1].id].sort());
    assert.equal((await s.where()).stage, 'scale · standard-scale');

    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const second = await s.stopped();
    assert.equal(second.reason, 'function breakpoint');
    assert.equal(second.line, lineOf(text, 'stage: split'));

    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const third = await s.stopped();
    assert.equal(third.line, lineOf(text, 'stage: fit'));
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
          { line: lineOf(text, 'stage: encode'), condition: "params.columns[0] == 'plan' && input.cols == 4" },
          { line: lineOf(text, 'stage: split'), hitCondition: '== 2' },
          { line: lineOf(text, 'stage: evaluate'), condition: 'nosuch.value > 1' },
          { line: lineOf(text, 'stage: predict') },
          { line: lineOf(text, 'stage: fit'), hitCondition: 'often' },
        ],
      });
      assert.equal(breakpoints[5].verified, false, 'inference stages do not run in train mode');
      assert.match(breakpoints[5].message!, /inference section/);
      assert.equal(breakpoints[6].verified, false);
      assert.match(breakpoints[6].message!, /hit condition/);
    });

    const encode = await s.stopped();
    assert.equal(encode.line, lineOf(text, 'stage: encode'), 'scale (condition false) did not stop; encode (true) did');
    const log = s.events.find((e) => e.event === 'output' && e.text.startsWith('rows='));
    assert.ok(log && log.event === 'output');
    assert.equal(log.text, 'rows=200 strategy=median mean=true\n');
    assert.equal(log.line, lineOf(text, 'stage: impute'));
    assert.ok(!s.events.some((e) => e.event === 'stopped' && e.line === lineOf(text, 'stage: impute')), 'a logpoint does not stop');

    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const evaluate = await s.stopped();
    assert.equal(evaluate.line, lineOf(text, 'stage: evaluate'), 'split (hit 1 of == 2) did not stop; the throwing condition stops');
    const why = s.events.find((e) => e.event === 'output' && e.text.includes("condition 'nosuch.value > 1'"));
    assert.ok(why && why.event === 'output' && /nosuch is not defined/.test(why.text));

    // Back to fit, then back to split: its second arrival satisfies '== 2'.
    await s.client.request({ cmd: 'resume', kind: 'stepBack' });
    assert.equal((await s.stopped()).line, lineOf(text, 'stage: fit'));
    await s.client.request({ cmd: 'resume', kind: 'stepBack' });
    const split = await s.stopped();
    assert.equal(split.line, lineOf(text, 'stage: split'));
    assert.equal(split.hitBreakpointIds?.length, 1);
  } finally {
    await s.close();
    ws.cleanup();
  }
});

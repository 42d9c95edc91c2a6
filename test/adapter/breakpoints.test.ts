// Breakpoints through the built adapter: stage lines, moved and unverified ones,
// per-file bookkeeping, conditions, hit counts and logpoints.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launch, lineOf, sessionPerTest, topFrame, type Fixtures, type Session } from './helpers';

describe('adapter: breakpoints', () => {
  let fx: Fixtures;
  let s: Session;
  let file: string;
  const args = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ pipeline: file, store: fx.file('.plumb'), ...extra });

  sessionPerTest((f, session) => {
    fx = f;
    s = session;
    file = fx.file('basic.pipeline.yaml');
  });

  it('stops on a stage-line breakpoint at that line (hitBreakpoint)', async () => {
    const line = lineOf(file, '- stage: train_loop');
    await s.dc.hitBreakpoint(args(), { path: file, line });
    const frame = await topFrame(s);
    assert.match(frame.name, /train_loop/);
    assert.equal(frame.source?.name, 'basic.pipeline.yaml');
  });

  it('moves a breakpoint on a comment line inside a stage to the stage line; others stay unverified', async () => {
    const comment = lineOf(file, '# standardise');
    const stageLine = lineOf(file, '- stage: scale');
    const paramsLine = lineOf(file, 'params:');
    let bps: DebugProtocol.Breakpoint[] = [];
    await launch(s, args(), async () => {
      const r = await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: comment }, { line: paramsLine }] });
      bps = r.body.breakpoints;
    });
    assert.equal(bps.length, 2);
    assert.equal(bps[0].verified, true);
    assert.equal(bps[0].line, stageLine);
    assert.equal(bps[0].source?.path, file);
    assert.equal(bps[1].verified, false);
    assert.ok(bps[1].message, 'an unverified breakpoint says why');
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'breakpoint');
    assert.deepEqual(stop.body.hitBreakpointIds, [bps[0].id]);
    assert.equal((await topFrame(s)).line, stageLine);
  });

  it('setting breakpoints for one file keeps those of another file', async () => {
    const other = fx.file('stages/epochs.ts');
    const fitLine = lineOf(file, '- stage: train_loop');
    await launch(s, args(), async () => {
      await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: fitLine }] });
      // A user stage file: not a place the pipeline can stop, but it must not clear the pipeline's.
      const r = await s.dc.setBreakpointsRequest({ source: { path: other }, breakpoints: [{ line: 3 }] });
      assert.equal(r.body.breakpoints[0].verified, false);
      await s.dc.setBreakpointsRequest({ source: { path: other }, breakpoints: [] });
    });
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal((await topFrame(s)).line, fitLine);
  });

  it('a conditional breakpoint stops only where its condition holds', async () => {
    const impute = lineOf(file, '- stage: impute');
    const finish = lineOf(file, '- stage: finish');
    await launch(s, args(), async () => {
      // `score` exists only in the input of 'finish' (train_loop adds it).
      const cond = "input.columns.includes('score')";
      const r = await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: impute, condition: cond }, { line: finish, condition: cond }] });
      assert.ok(r.body.breakpoints.every((b) => b.verified), JSON.stringify(r.body.breakpoints));
    });
    await s.nextStop();
    assert.equal((await topFrame(s)).line, finish);
    await s.dc.continueRequest({ threadId: 1 });
    await s.next('terminated');
  });

  it('a hit-count breakpoint waits for its count', async () => {
    const scale = lineOf(file, '- stage: scale');
    const loop = lineOf(file, '- stage: train_loop');
    let ids: number[] = [];
    await launch(s, args(), async () => {
      const r = await s.dc.setBreakpointsRequest({
        source: { path: file },
        breakpoints: [{ line: scale, hitCondition: '>= 2' }, { line: loop, hitCondition: '1' }],
      });
      ids = r.body.breakpoints.map((b) => b.id!);
    });
    // 'scale' runs once, so its '>= 2' never fires; train_loop's first hit does.
    const stop = await s.nextStop();
    assert.deepEqual(stop.body.hitBreakpointIds, [ids[1]]);
    assert.equal((await topFrame(s)).line, loop);
  });

  it('a logpoint logs its message with expressions and does not stop', async () => {
    const scale = lineOf(file, '- stage: scale');
    await launch(s, args(), async () => {
      await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: scale, logMessage: 'scale sees {input.rows} rows' }] });
    });
    let text = '';
    for (;;) {
      const e = (await s.next('output')) as DebugProtocol.OutputEvent;
      if (e.body.output.includes('scale sees')) {
        text = e.body.output;
        assert.equal(e.body.line, scale);
        break;
      }
    }
    assert.match(text, /scale sees 40 rows/);
    const ended = (await s.next('exited')) as DebugProtocol.ExitedEvent;
    assert.equal(ended.body.exitCode, 0);
    await s.next('terminated');
    assert.equal(s.events.all.filter((e) => e.event === 'stopped').length, 0, 'a logpoint never stops');
  });
});

// Breakpoints through the built adapter: stage lines, moved and unverified ones,
// per-file bookkeeping, conditions, hit counts and logpoints.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { byName, eachStopUntilEnd, launch, lineOf, scopesByName, sessionPerTest, topFrame, vars, type Fixtures, type Session } from './helpers';

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

  it('hit conditions `% 2` and `>= 3` stop on the right arrivals (a sub-pipeline included four times)', async () => {
    const four = fx.file('fourfold.pipeline.yaml');
    const sub = fx.file('shared/prep.pipeline.yaml');
    let ids: number[] = [];
    await launch(s, { pipeline: four, store: fx.file('.plumb') }, async () => {
      const r = await s.dc.setBreakpointsRequest({
        source: { path: sub },
        breakpoints: [
          { line: lineOf(sub, '- stage: pick'), hitCondition: '% 2' },
          { line: lineOf(sub, '- stage: scale'), hitCondition: '>= 3' },
        ],
      });
      assert.ok(r.body.breakpoints.every((b) => b.verified), JSON.stringify(r.body.breakpoints));
      ids = r.body.breakpoints.map((b) => b.id!);
    });
    const stops: [string, number[] | undefined][] = [];
    await eachStopUntilEnd(s, async (e) => {
      stops.push([(await topFrame(s)).name.split(' ')[0], e.body.hitBreakpointIds]);
      await s.dc.continueRequest({ threadId: 1 });
    });
    // pick: arrivals 2 and 4 (% 2); scale: arrivals 3 and 4 (>= 3).
    assert.deepEqual(stops, [
      ['p2/pick', [ids[0]]],
      ['p3/scale', [ids[1]]],
      ['p4/pick', [ids[0]]],
      ['p4/scale', [ids[1]]],
    ]);
  });

  it('a hit condition it cannot read leaves the breakpoint unverified, saying why', async () => {
    const scale = lineOf(file, '- stage: scale');
    let bps: DebugProtocol.Breakpoint[] = [];
    await launch(s, args(), async () => {
      bps = (await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: scale, hitCondition: 'sometimes' }, { line: scale, hitCondition: '% 0' }] })).body.breakpoints;
    });
    assert.deepEqual(bps.map((b) => b.verified), [false, false]);
    assert.match(bps[0].message ?? '', /hit condition 'sometimes' not understood/);
    assert.match(bps[1].message ?? '', /% 0 is never true/);
    await s.next('terminated');
    assert.equal(s.events.all.filter((e) => e.event === 'stopped').length, 0);
  });

  it("a function breakpoint on a sub-pipeline's stage points at the sub file and its line", async () => {
    const grouped = fx.file('grouped.pipeline.yaml');
    const sub = fx.file('shared/prep.pipeline.yaml');
    let bps: DebugProtocol.Breakpoint[] = [];
    await launch(s, { pipeline: grouped, store: fx.file('.plumb') }, async () => {
      bps = (await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'prep/scale' }, { name: 'prep' }, { name: 'after' }] })).body.breakpoints;
    });
    assert.deepEqual(
      bps.map((b) => [b.verified, b.source?.path, b.line]),
      [
        [true, sub, lineOf(sub, '- stage: scale')],
        // A group's name: the including stage, in the including file.
        [true, grouped, lineOf(grouped, '- stage: prep')],
        [true, grouped, lineOf(grouped, '- stage: after')],
      ],
    );
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'function breakpoint');
    assert.deepEqual(stop.body.hitBreakpointIds, [bps[1].id]);
  });

  it('setting one file never clears another: the pipeline file and a sub-pipeline file, both verified', async () => {
    const grouped = fx.file('grouped.pipeline.yaml');
    const sub = fx.file('shared/prep.pipeline.yaml');
    const after = lineOf(grouped, '- stage: after');
    await launch(s, { pipeline: grouped, store: fx.file('.plumb') }, async () => {
      const a = await s.dc.setBreakpointsRequest({ source: { path: sub }, breakpoints: [{ line: lineOf(sub, '- stage: pick') }] });
      const b = await s.dc.setBreakpointsRequest({ source: { path: grouped }, breakpoints: [{ line: after }] });
      // Replacing the sub file's breakpoints (pick → scale) leaves the pipeline file's alone.
      const c = await s.dc.setBreakpointsRequest({ source: { path: sub }, breakpoints: [{ line: lineOf(sub, '- stage: scale') }] });
      for (const r of [a, b, c]) assert.equal(r.body.breakpoints[0].verified, true, JSON.stringify(r.body.breakpoints));
    });
    const names: string[] = [];
    await eachStopUntilEnd(s, async () => {
      const frame = await topFrame(s);
      names.push(`${frame.name.split(' ')[0]}@${frame.source?.path === sub ? 'sub' : 'main'}:${frame.line}`);
      await s.dc.continueRequest({ threadId: 1 });
    });
    assert.deepEqual(names, [`prep/scale@sub:${lineOf(sub, '- stage: scale')}`, `after@main:${after}`]);
  });

  it('reverseContinue runs back to the last earlier stage with a breakpoint, with its input', async () => {
    const scale = lineOf(file, '- stage: scale');
    await launch(s, args(), async () => {
      await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: scale }] });
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'finish' }] });
    });
    assert.equal((await s.nextStop()).body.reason, 'breakpoint');
    assert.equal((await topFrame(s)).line, scale);
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal((await s.nextStop()).body.reason, 'function breakpoint');
    assert.match((await topFrame(s)).name, /^finish\b/);
    await s.dc.reverseContinueRequest({ threadId: 1 });
    const back = await s.nextStop();
    assert.equal(back.body.reason, 'breakpoint');
    const frame = await topFrame(s);
    assert.equal(frame.line, scale);
    // Scale's input again: train_loop's score column is not there yet.
    const r = await s.dc.evaluateRequest({ expression: "input.columns.includes('score')", frameId: frame.id, context: 'repl' });
    assert.equal(r.body.result, 'false');
  });

  it('variable references die on resume: an old one is an error naming it stale', async () => {
    const scale = lineOf(file, '- stage: scale');
    await launch(s, args({ stopOnEntry: true }), async () => {
      await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: scale }] });
    });
    await s.nextStop();
    const frame = await topFrame(s);
    const params = (await scopesByName(s, frame.id)).get('Params')!;
    assert.equal(byName(await vars(s, params.variablesReference), 'strategy').value, '"median"');
    await s.dc.continueRequest({ threadId: 1 });
    await s.nextStop();
    const err = await vars(s, params.variablesReference).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.match(err?.message ?? '', /stale reference/);
  });
});

// A sub-pipeline under the built adapter: breakpoints in the sub file, the frame chain
// stage → group → section → pipeline with each frame's own source, and stepOut leaving the group.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { launch, lineOf, sessionPerTest, scopesByName, vars, byName, type Fixtures, type Session } from './helpers';

describe('adapter: sub-pipelines', () => {
  let fx: Fixtures;
  let s: Session;
  let file: string;
  let sub: string;
  const args = (): Record<string, unknown> => ({ pipeline: file, store: fx.file('.plumb') });

  sessionPerTest((f, session) => {
    fx = f;
    s = session;
    file = fx.file('grouped.pipeline.yaml');
    sub = fx.file('shared/prep.pipeline.yaml');
  });

  it('a breakpoint in the sub file stops there; frames are stage → group → section → pipeline; stepOut leaves the group', async () => {
    const scaleLine = lineOf(sub, '- stage: scale');
    await launch(s, args(), async () => {
      const r = await s.dc.setBreakpointsRequest({ source: { path: sub }, breakpoints: [{ line: scaleLine + 1 }] });
      assert.equal(r.body.breakpoints[0].verified, true, r.body.breakpoints[0].message);
      assert.equal(r.body.breakpoints[0].line, scaleLine, 'moved to the stage: line of its block');
    });
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'breakpoint');
    const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.deepEqual(
      frames.map((f) => [f.name, f.source?.path, f.line]),
      [
        ['prep/scale · standard-scale', sub, scaleLine],
        ['prep · ./shared/prep.pipeline.yaml', file, lineOf(file, '- stage: prep')],
        ['feature', file, lineOf(file, 'feature:')],
        ['grouped (train)', file, lineOf(file, 'pipeline: grouped')],
      ],
    );
    // The stage sees the sub-pipeline's params as overridden by the including stage's with:.
    const scopes = await scopesByName(s, frames[0].id);
    assert.ok(scopes.has('Input'));
    const groupScopes = await scopesByName(s, frames[1].id);
    const group = await vars(s, groupScopes.get('Sub-pipeline')!.variablesReference);
    assert.match(byName(group, 'stages').value, /prep\/pick.*prep\/scale/);

    await s.dc.stepOutRequest({ threadId: 1 });
    const out = await s.nextStop();
    assert.equal(out.body.reason, 'step');
    const after = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(after[0].name, 'after · standard-scale');
    assert.equal(after[0].source?.path, file);
    assert.equal(after[0].line, lineOf(file, '- stage: after'));
    assert.equal(after[1].name, 'feature', 'outside the group: no group frame');
  });

  it('a breakpoint on the including stage stops before the first stage of its group; next keeps its flat meaning', async () => {
    const prepLine = lineOf(file, '- stage: prep');
    await launch(s, args(), async () => {
      const r = await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: prepLine + 2 }] });
      assert.equal(r.body.breakpoints[0].verified, true, r.body.breakpoints[0].message);
      assert.equal(r.body.breakpoints[0].line, prepLine);
    });
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'breakpoint');
    const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frames[0].name, 'prep/pick · select');
    assert.equal(frames[0].source?.path, sub);
    assert.equal(frames[0].line, lineOf(sub, '- stage: pick'));

    await s.dc.nextRequest({ threadId: 1 });
    await s.nextStop();
    const next = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(next[0].name, 'prep/scale · standard-scale');
    await s.dc.continueRequest({ threadId: 1 });
    await s.next('terminated');
  });
});

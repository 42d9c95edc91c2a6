// What the built adapter tells the client on its own: output events for stage logs,
// warnings and retry attempts; progress events for a long stage; the retry-attempt and
// data-warning exception filters; and a user .ts stage's errors at the user's own lines.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launch, lineOf, sessionPerTest, topFrame, type Fixtures, type Session } from './helpers';

describe('adapter: events', () => {
  let fx: Fixtures;
  let s: Session;
  const store = (): string => fx.file('.plumb');

  sessionPerTest((f, session) => {
    fx = f;
    s = session;
  });

  const outputs = (): DebugProtocol.OutputEvent[] => s.events.all.filter((e): e is DebugProtocol.OutputEvent => e.event === 'output');

  it("ctx.log and ctx.warn become output events (console / stderr) at the stage's line", async () => {
    const file = fx.file('chatty.pipeline.yaml');
    await launch(s, { pipeline: file, store: store() });
    assert.equal(((await s.next('exited')) as DebugProtocol.ExitedEvent).body.exitCode, 0);
    await s.next('terminated');
    const talk = lineOf(file, '- stage: talk');
    const seen = outputs().map((e) => [e.body.category, e.body.output, e.body.source?.path, e.body.line]);
    const expected = [
      ['console', '[talk] read 40 rows\n', file, talk],
      ['stderr', "warning in stage 'talk': y looks suspicious\n", file, talk],
      // The engine's own data check on the stage's output.
      ['stderr', "warning in stage 'talk': column 'empty' is entirely missing\n", file, talk],
    ];
    for (const e of expected) assert.ok(seen.some((x) => JSON.stringify(x) === JSON.stringify(e)), `missing ${JSON.stringify(e)} among ${JSON.stringify(seen)}`);
    // Nothing else warned: warm_up and done pass their input through.
    assert.equal(seen.filter((x) => x[0] === 'stderr').length, 2, JSON.stringify(seen));
  });

  it('each failed attempt that will be retried is an output event at the stage line', async () => {
    const file = fx.file('flaky.pipeline.yaml');
    await launch(s, { pipeline: file, store: store() }, async () => {
      await s.dc.setExceptionBreakpointsRequest({ filters: [] });
    });
    assert.notEqual(((await s.next('exited')) as DebugProtocol.ExitedEvent).body.exitCode, 0);
    await s.next('terminated');
    const fetch = lineOf(file, '- stage: fetch');
    const retries = outputs().filter((e) => /attempt \d failed/.test(e.body.output));
    assert.deepEqual(
      retries.map((e) => [e.body.category, e.body.output, e.body.source?.path, e.body.line]),
      [1, 2].map((n) => ['console', `stage 'fetch' attempt ${n} failed: TransientError: upstream not ready (attempt ${n}); retrying in 0 ms\n`, file, fetch]),
    );
    // The final failure (no retry after it) is reported once, on stderr.
    const failed = outputs().filter((e) => e.body.category === 'stderr' && /failed after 3 attempts/.test(e.body.output));
    assert.equal(failed.length, 1);
    assert.equal(failed[0].body.line, fetch);
  });

  it('a client that supports progress gets progressStart → progressUpdate (the epoch) → progressEnd for a long stage', async () => {
    const file = fx.file('basic.pipeline.yaml');
    await launch(s, { pipeline: file, store: store(), params: { epochs: 2000 } }, undefined, { supportsProgressReporting: true });
    await s.next('terminated');
    const progress = s.events.all.filter((e) => e.event.startsWith('progress'));
    const start = progress.find((e) => e.event === 'progressStart' && /train_loop/.test((e.body as DebugProtocol.ProgressStartEvent['body']).title));
    assert.ok(start, `no progressStart for train_loop: ${JSON.stringify(progress.map((e) => e.body))}`);
    const id = (start.body as DebugProtocol.ProgressStartEvent['body']).progressId;
    const mine = progress.filter((e) => (e.body as { progressId: string }).progressId === id);
    assert.equal(mine[0], start, 'progressStart comes first');
    assert.equal(mine.at(-1)?.event, 'progressEnd', 'progressEnd comes last');
    assert.equal((mine.at(-1)!.body as DebugProtocol.ProgressEndEvent['body']).message, '40 rows out');
    const updates = mine.filter((e) => e.event === 'progressUpdate').map((e) => (e.body as DebugProtocol.ProgressUpdateEvent['body']).message ?? '');
    assert.ok(updates.length >= 1, 'at least one update');
    // Throttled (about one per 100 ms), each names the epoch it reached.
    assert.ok(updates.length < 2000, `${updates.length} updates for 2000 epochs: not throttled`);
    for (const m of updates) assert.match(m, /^epoch \d+ {2}loss=/);
    assert.equal(progress.filter((e) => e.event === 'progressStart').length, progress.filter((e) => e.event === 'progressEnd').length, 'every progress ends');
  });

  it('a client without progress support gets no progress events', async () => {
    await launch(s, { pipeline: fx.file('basic.pipeline.yaml'), store: store() });
    await s.next('terminated');
    assert.deepEqual(s.events.all.filter((e) => e.event.startsWith('progress')).map((e) => e.event), []);
  });

  it("the 'retry-attempt' filter stops after each failed attempt that will be retried", async () => {
    const file = fx.file('flaky.pipeline.yaml');
    await launch(s, { pipeline: file, store: store() }, async () => {
      await s.dc.setExceptionBreakpointsRequest({ filters: ['retry-attempt'] });
    });
    for (const n of [1, 2]) {
      const stop = await s.nextStop();
      assert.equal(stop.body.reason, 'exception');
      assert.match(stop.body.text ?? '', new RegExp(`^Attempt ${n} of stage 'fetch' failed: TransientError: upstream not ready \\(attempt ${n}\\)`));
      assert.match((await topFrame(s)).name, /^fetch\b/);
      const info = await s.dc.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, 'TransientError');
      assert.equal(info.body.breakMode, 'always');
      assert.equal(info.body.details?.message, `upstream not ready (attempt ${n})`);
      await s.dc.continueRequest({ threadId: 1 });
    }
    // The third attempt fails for good; 'stage-failed' is not set, so the run just ends.
    assert.notEqual(((await s.next('exited')) as DebugProtocol.ExitedEvent).body.exitCode, 0);
    await s.next('terminated');
    assert.equal(s.events.all.filter((e) => e.event === 'stopped').length, 2);
  });

  it("the 'data-warning' filter stops after a stage that warned or made an all-missing column", async () => {
    const file = fx.file('chatty.pipeline.yaml');
    await launch(s, { pipeline: file, store: store() }, async () => {
      await s.dc.setExceptionBreakpointsRequest({ filters: ['data-warning'] });
    });
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'exception');
    assert.equal(stop.body.text, "Data warning in stage 'talk': y looks suspicious; column 'empty' is entirely missing");
    const frame = await topFrame(s);
    assert.match(frame.name, /^talk\b/);
    assert.equal(frame.line, lineOf(file, '- stage: talk'));
    const info = await s.dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'DataWarning');
    assert.equal(info.body.details?.message, "y looks suspicious\ncolumn 'empty' is entirely missing");
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal(((await s.next('exited')) as DebugProtocol.ExitedEvent).body.exitCode, 0);
    await s.next('terminated');
    assert.equal(s.events.all.filter((e) => e.event === 'stopped').length, 1, 'the stages without warnings do not stop');
  });

  it("a user .ts stage's error names its own line:col of the .ts file (source maps)", async () => {
    const file = fx.file('flaky.pipeline.yaml');
    const module = fx.file('stages/flaky.ts');
    const line = lineOf(module, 'throw new TransientError');
    await launch(s, { pipeline: file, store: store() }, async () => {
      await s.dc.setExceptionBreakpointsRequest({ filters: ['stage-failed'] });
    });
    await s.nextStop();
    const info = await s.dc.exceptionInfoRequest({ threadId: 1 });
    const stack = info.body.details?.stackTrace ?? '';
    // The first frame of the stack is the throw in the stage module, at the user's own line.
    const first = stack.split('\n').find((l) => /^\s+at /.test(l)) ?? '';
    assert.ok(first.includes(`${module}:${line}:9`), `expected ${module}:${line}:9 in: ${first}\n${stack}`);
  });
});

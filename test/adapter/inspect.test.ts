// Inspecting a stopped run through the built adapter: scopes, paged tables of a million
// rows, evaluate and completions, and a failed stage's exception info.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { byName, launch, sessionPerTest, scopesByName, topFrame, vars, type Fixtures, type Session } from './helpers';
import { tableRows } from './tables';

describe('adapter: inspection', () => {
  let fx: Fixtures;
  let s: Session;
  const store = (): string => fx.file('.plumb');

  sessionPerTest((f, session) => {
    fx = f;
    s = session;
  });

  it('a stopped stage shows Input, Output, Params, State, Metrics and Changes', async () => {
    const file = fx.file('basic.pipeline.yaml');
    // stopAfterStage pauses once 'impute' has run, so Output and Changes exist.
    await launch(s, { pipeline: file, store: store(), stopAfterStage: 'impute' });
    await s.nextStop();
    const frame = await topFrame(s);
    assert.match(frame.name, /impute/);
    const scopes = await scopesByName(s, frame.id);
    for (const name of ['Input', 'Output', 'Params', 'State', 'Metrics', 'Changes']) assert.ok(scopes.has(name), `no ${name} scope: ${[...scopes.keys()].join(', ')}`);

    const params = await vars(s, scopes.get('Params')!.variablesReference);
    assert.equal(byName(params, 'strategy').value, '"median"');
    const input = await vars(s, scopes.get('Input')!.variablesReference);
    const table = byName(input, 'input');
    assert.equal(table.type, 'Table');
    // The extension's "open table" context-menu action keys on this.
    assert.equal((table as DebugProtocol.Variable & { __vscodeVariableMenuContext?: string }).__vscodeVariableMenuContext, 'plumbTable');
    // Imputing x filled its 4 missing values and kept every row: the Changes scope says so.
    const changes = await vars(s, scopes.get('Changes')!.variablesReference);
    assert.equal(byName(changes, 'rows').value, '40 → 40');
    assert.equal(byName(changes, 'rows dropped').value, '0');
    assert.equal(byName(changes, 'rows added').value, '0');
    const lost = byName(changes, 'missing lost');
    assert.ok(lost.variablesReference > 0, `missing lost: ${lost.value}`);
    const lostByColumn = await vars(s, lost.variablesReference);
    assert.deepEqual(lostByColumn.map((v) => [v.name, v.value]), [['x', '"4 → 0"']]);
    const gained = byName(changes, 'missing gained');
    assert.equal(gained.variablesReference > 0 ? (await vars(s, gained.variablesReference)).length : 0, 0, `missing gained: ${gained.value}`);
  });

  it('pages a 1,000,000-row table: variables returns exactly the page asked for', async () => {
    const file = fx.file('big.pipeline.yaml');
    await launch(s, { pipeline: file, store: store() }, async () => {
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'look' }] });
    });
    await s.nextStop();
    const frame = await topFrame(s);
    const scopes = await scopesByName(s, frame.id);
    const rows = await tableRows(s, scopes.get('Input')!.variablesReference);
    assert.equal(rows.indexedVariables, 1_000_000);
    const page = await vars(s, rows.variablesReference, { start: 999_950, count: 20, filter: 'indexed' });
    assert.deepEqual(page.map((v) => v.name), Array.from({ length: 20 }, (_, i) => String(999_950 + i)));
    const cells = await vars(s, page[3].variablesReference);
    assert.equal(byName(cells, 'id').value, '999953');
    assert.ok(Math.abs(Number(byName(cells, 'half').value) - 499_976.5) <= 1, byName(cells, 'half').value);
    // The end of the table clamps the page.
    const tail = await vars(s, rows.variablesReference, { start: 999_998, count: 100, filter: 'indexed' });
    assert.deepEqual(tail.map((v) => v.name), ['999998', '999999']);
  });

  it('evaluates expressions for hover, watch and repl, and completes members', async () => {
    const file = fx.file('basic.pipeline.yaml');
    await launch(s, { pipeline: file, store: store() }, async () => {
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'scale' }] });
    });
    await s.nextStop();
    const frame = await topFrame(s);
    for (const context of ['hover', 'watch', 'repl']) {
      const r = await s.dc.evaluateRequest({ expression: 'input.rows', frameId: frame.id, context });
      assert.equal(r.body.result, '40', context);
    }
    const bad = await s.dc.evaluateRequest({ expression: 'nope.nothing', frameId: frame.id, context: 'repl' }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(bad instanceof Error, 'a failing expression is an error response');
    const c = await s.dc.completionsRequest({ text: 'input.ro', column: 9, frameId: frame.id });
    const labels = c.body.targets.map((t) => t.label);
    assert.ok(labels.includes('rows'), labels.join(', '));
    // The replaced text is `ro`, in the client's 1-based columns: it starts at column 7.
    const rows = c.body.targets.find((t) => t.label === 'rows')!;
    assert.deepEqual([rows.start, rows.length], [7, 2]);
  });

  it("stops on a stage that failed after its retries ('stage-failed') with the attempts in exceptionInfo", async () => {
    const file = fx.file('flaky.pipeline.yaml');
    await launch(s, { pipeline: file, store: store() }, async () => {
      await s.dc.setExceptionBreakpointsRequest({ filters: ['stage-failed'] });
    });
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'exception');
    assert.match((await topFrame(s)).name, /fetch/);
    const info = await s.dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'TransientError');
    assert.match(info.body.details?.message ?? '', /upstream not ready \(attempt 3\)/);
    const attempts = (info.body.details as { attempts?: { attempt: number; ok: boolean }[] }).attempts ?? [];
    assert.deepEqual(attempts.map((a) => [a.attempt, a.ok]), [
      [1, false],
      [2, false],
      [3, false],
    ]);
    assert.match(info.body.details?.stackTrace ?? '', /#3 failed/);
    await s.dc.continueRequest({ threadId: 1 });
    const exited = (await s.next('exited')) as DebugProtocol.ExitedEvent;
    assert.notEqual(exited.body.exitCode, 0, 'a failed run exits non-zero');
    await s.next('terminated');
  });

  it('rejects an unknown exception filter, naming it', async () => {
    const file = fx.file('basic.pipeline.yaml');
    let error: Error | undefined;
    await launch(s, { pipeline: file, store: store(), stopOnEntry: true }, async () => {
      error = await s.dc.setExceptionBreakpointsRequest({ filters: ['everything'] }).then(
        () => undefined,
        (e: Error) => e,
      );
    });
    assert.match(error?.message ?? '', /everything/);
  });
});

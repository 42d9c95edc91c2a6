// The host as a process: failing stages and exception stops, a stage stuck in a
// synchronous loop, a stage that kills its process; paging a 1.2M-row table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session, pidAlive, workspace } from './helpers';

const ONE_STAGE = (uses: string, extra = ''): string => `pipeline: proc
params: { seed: 1 }
feature:
  - stage: gen
    uses: ${uses}
${extra}`;

test('stage-failed and retry-attempt filters stop with exceptionInfo and the attempt history', async () => {
  const ws = workspace(ONE_STAGE('./stages/flaky.ts', '    retry: { attempts: 3, backoff: fixed, initial: 10ms }\n'));
  ws.write('stages/flaky.ts', `import { TransientError } from 'plumb';\nexport default function () { throw new TransientError('database is warming up'); }\n`);
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file }, async () => {
      await s.client.request({ cmd: 'setExceptionFilters', filters: ['stage-failed', 'retry-attempt'] });
    });
    const retry = await s.stopped();
    assert.equal(retry.reason, 'exception');
    assert.match(retry.description, /Attempt 1 of stage 'gen' failed: TransientError: database is warming up; retrying in 10 ms/);
    assert.equal((await s.client.request({ cmd: 'evaluate', expression: 'attempt' })).result, '1');
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    assert.match((await s.stopped()).description, /Attempt 2/);
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const failed = await s.stopped();
    assert.equal(failed.reason, 'exception');
    assert.match(failed.description, /Stage 'gen' failed: TransientError/);
    const info = await s.client.request({ cmd: 'exceptionInfo' });
    assert.equal(info.exceptionId, 'TransientError');
    assert.equal(info.details.stage, 'gen');
    assert.deepEqual(info.details.attempts.map((a) => [a.attempt, a.ok]), [[1, false], [2, false], [3, false]]);
    assert.match(info.details.attempts[0].error!, /database is warming up/);
    assert.equal(info.details.attempts[0].delayMs, 10);
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    const end = await s.ended();
    assert.equal(end.status, 'failed');
    assert.equal(end.exitCode, 1);
    assert.match(end.message!, /stage 'gen'/);
  } finally {
    await s.close();
    ws.cleanup();
  }
});

/**
 * Runs a one-stage pipeline whose stage module is `source`, waits for the stage to start and
 * sends a stackTrace request it cannot answer yet; `check` gets the session, the host's pid
 * and that pending request. The session and workspace are cleaned up either way.
 */
async function withRunningStage(
  source: string,
  check: (s: Session, pid: number | undefined, pending: Promise<unknown>) => Promise<void>,
): Promise<void> {
  const ws = workspace(ONE_STAGE('./stages/gen.ts'));
  ws.write('stages/gen.ts', source);
  const s = await Session.open();
  const pid = s.client.pid;
  try {
    await s.launch({ pipeline: ws.file });
    await s.next((e) => e.event === 'monitor' && (e.data as { type: string }).type === 'attempt-start', 'the stage to start');
    await check(s, pid, s.client.request({ cmd: 'stackTrace' }));
  } finally {
    await s.close();
    ws.cleanup();
  }
}

test('terminate ends a host whose stage is stuck in while(true) within 1 s, leaving no process', async () => {
  await withRunningStage('export default function () { for (;;) {} }\n', async (s, pid, pending) => {
    const t0 = Date.now();
    await s.client.terminate();
    assert.ok(Date.now() - t0 < 1000, `terminate took ${Date.now() - t0} ms`);
    assert.equal(pidAlive(pid), false);
    await assert.rejects(pending, /session host was killed by SIGKILL/);
    const end = await s.ended();
    assert.equal(end.status, 'cancelled');
  });
});

test('a stage calling process.exit(3): ended names the stage and the code; pending requests reject', async () => {
  // Busy for a while (so a request is pending and unanswerable), then exit.
  const source = 'export default function () { const t = Date.now(); while (Date.now() - t < 300) {} process.exit(3); }\n';
  await withRunningStage(source, async (s, pid, pending) => {
    const end = await s.ended();
    assert.equal(end.status, 'failed');
    assert.equal(end.exitCode, 1);
    assert.match(end.message!, /stage 'gen'/);
    assert.match(end.message!, /code 3/);
    await assert.rejects(pending, /stackTrace: the session host exited with code 3 while stage 'gen' was running/);
    await assert.rejects(s.client.request({ cmd: 'pause' }), /session has ended/);
    await s.close();
    assert.equal(pidAlive(pid), false);
  });
});

test('a 1.2M-row table: the table node is O(1) and a rows page returns exactly the rows asked for', async () => {
  const N = 1_200_000;
  const ws = workspace(ONE_STAGE('./stages/big.ts'));
  ws.write(
    'stages/big.ts',
    `import { Table, numberColumn, categoryColumn } from 'plumb';
export default function () {
  const n = ${N};
  const i = new Float64Array(n), sq = new Float64Array(n);
  for (let k = 0; k < n; k++) { i[k] = k; sq[k] = k * 2 + 1; }
  const kind = categoryColumn('kind', ['even', 'odd']);
  const codes = new Int32Array(n); for (let k = 0; k < n; k++) codes[k] = k % 2;
  return new Table([numberColumn('i', i), numberColumn('two i plus one', sq), { ...kind, codes }], n);
}
`,
  );
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file, stopAfterStage: 'gen' });
    await s.stopped();
    const out = (await s.client.request({ cmd: 'variables', ref: await s.scope('Output') })).variables[0];
    assert.equal(out.value, `${N} rows × 3 columns`);
    assert.equal(out.type, 'Table');
    assert.equal(out.menuContext, 'plumbTable');
    const [shape, columns, rows] = (await s.client.request({ cmd: 'variables', ref: out.ref })).variables;
    assert.equal(shape.name, 'shape');
    assert.equal(rows.indexedVariables, N);
    const page = (await s.client.request({ cmd: 'variables', ref: rows.ref, start: 1_000_000, count: 3, filter: 'indexed' })).variables;
    assert.deepEqual(page.map((r) => r.name), ['1000000', '1000001', '1000002']);
    const cells = (await s.client.request({ cmd: 'variables', ref: page[1].ref })).variables;
    assert.deepEqual(cells.map((c) => [c.name, c.value]), [['i', '1000001'], ['two i plus one', '2000003'], ['kind', '"odd"']]);
    const last = (await s.client.request({ cmd: 'variables', ref: rows.ref, start: N - 1, count: 10 })).variables;
    assert.equal(last.length, 1, 'the page is clamped to the table');

    const cols = (await s.client.request({ cmd: 'variables', ref: columns.ref })).variables;
    assert.deepEqual(cols.map((c) => c.name), ['i', 'two i plus one', 'kind']);
    const summary = (await s.client.request({ cmd: 'variables', ref: cols[0].ref })).variables;
    // Unless the background summary got there first, a long column lists its costly
    // statistics as lazy children: a click (their ref) computes the value.
    const get = async (n: string): Promise<string | undefined> => {
      const v = summary.find((x) => x.name === n);
      if (!v?.lazy) return v?.value;
      const [value] = (await s.client.request({ cmd: 'variables', ref: v.ref })).variables;
      assert.equal(value.name, n);
      return value.value;
    };
    assert.equal(await get('mean'), String((N - 1) / 2));
    assert.equal(await get('max'), String(N - 1));
    assert.equal(await get('missing'), '0');
    assert.ok(!summary.find((x) => x.name === 'missing')!.lazy, 'the missing count is shown at once');

    assert.equal((await s.client.request({ cmd: 'evaluate', expression: "output['two i plus one'][41]" })).result, '83');
    const completions = await s.client.request({ cmd: 'completions', text: 'output.tw', column: 10 });
    assert.deepEqual(completions.items.map((c) => [c.label, c.start, c.length]), [["['two i plus one']", 6, 3]]);
    await assert.rejects(s.client.request({ cmd: 'evaluate', expression: "this.constructor.constructor('return process')()" }), /code generation|EvalError|not allowed/i);
    await assert.rejects(s.client.request({ cmd: 'evaluate', expression: 'while (true) {}' }), /timed out/);
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('data-warning filter: stops after the stage whose output raised an engine data warning', async () => {
  const ws = workspace(ONE_STAGE('./stages/inf.ts'));
  ws.write('stages/inf.ts', `import { Table, numberColumn } from 'plumb';\nexport default function () { return new Table([numberColumn('r', new Float64Array([1, Infinity, 3]))], 3); }\n`);
  const s = await Session.open();
  try {
    await s.launch({ pipeline: ws.file }, async () => {
      await s.client.request({ cmd: 'setExceptionFilters', filters: ['data-warning'] });
    });
    const stop = await s.stopped();
    assert.equal(stop.reason, 'exception');
    assert.match(stop.description, /Data warning in stage 'gen'.*'r' has 1 NaN or infinite value/);
    const info = await s.client.request({ cmd: 'exceptionInfo' });
    assert.equal(info.exceptionId, 'DataWarning');
    await s.client.request({ cmd: 'resume', kind: 'continue' });
    assert.equal((await s.ended()).status, 'ok');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

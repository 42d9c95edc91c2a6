// Column statistics in the debugger on long columns: the fast summary against summarizeColumn
// (a direct sort-based computation), the sample label, exact-on-demand, and expressions on
// 10M rows computing their statistics outside the expression time limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { summarizeColumn } from '../../runtime/table/summary';
import { summarizeColumnFast } from '../../runtime/table/summary-fast';
import { categoryColumn, numberColumn, Table, type NumberColumn } from '../../runtime/table/table';
import type { Variable } from '../../runtime/debug/protocol';
import { RefTable } from '../../runtime/debug/refs';
import { TableCache, tableVariable } from '../../runtime/debug/table-view';
import { formatScalar, type VarEnv } from '../../runtime/debug/variables';
import { Session, workspace } from './helpers';

const EXACT_FIELDS = ['missing', 'mean', 'std', 'min', 'max', 'quantiles'] as const;

/** Fields summarizeColumnFast claims exact must equal summarizeColumn's, bit for bit (-0 too). */
function assertMatches(c: NumberColumn, opts: { exactRows: number; sampleRows: number; distinctCap: number }): void {
  const direct = summarizeColumn(c, { topK: 4 });
  const fast = summarizeColumnFast(c, { topK: 4, ...opts });
  for (const k of EXACT_FIELDS) assert.deepStrictEqual(fast[k], direct[k], k);
  if (fast.distinctAbove === undefined) assert.equal(fast.distinct, direct.distinct);
  else assert.ok(direct.distinct! > fast.distinctAbove, 'distinctAbove is a true lower bound');
  if (fast.topSample === undefined) assert.deepStrictEqual(fast.top, direct.top);
}

test('fast summary: missing, mean, std, min, max and quartiles equal the sort-based summary on random columns', () => {
  const value = fc.oneof(
    fc.integer({ min: -5, max: 5 }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.constantFrom(null, null, -0, 0, Infinity, -Infinity, 0.1, 1e300),
  );
  fc.assert(
    fc.property(fc.array(value, { maxLength: 600 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), (values, sampleRows, distinctCap) => {
      // exactRows 0 forces the fast path; small samples make brackets miss and fall back.
      assertMatches(numberColumn('x', values), { exactRows: 0, sampleRows, distinctCap });
    }),
    { numRuns: 400 },
  );
});

test('fast summary on long columns: exact fields match, quartile brackets hold, low cardinality is counted exactly', () => {
  const n = 300_000;
  const noisy = new Float64Array(n);
  const few = new Float64Array(n);
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let i = 0; i < n; i++) {
    noisy[i] = i % 97 === 0 ? NaN : (rnd() - 0.3) * 1e4; // NaN becomes missing
    few[i] = Math.floor(rnd() * 50) / 4;
  }
  const opts = { exactRows: 50_000, sampleRows: 20_000, distinctCap: 65_536 };
  assertMatches(numberColumn('noisy', noisy), opts);
  assertMatches(numberColumn('few', few), opts);
  const sortedRun = Float64Array.from({ length: n }, (_, i) => i / 2);
  assertMatches(numberColumn('half', sortedRun), opts);
  const f = summarizeColumnFast(numberColumn('few', few), { topK: 4, ...opts });
  assert.equal(f.distinct, 50);
  assert.equal(f.topSample, undefined, 'few distinct values: top values are exact counts');
  const h = summarizeColumnFast(numberColumn('half', sortedRun), { topK: 4, ...opts });
  assert.equal(h.distinct, undefined);
  assert.equal(h.distinctAbove, 65_536);
  assert.equal(h.topSample, 20_000);
});

/** A pipeline whose `look` stage sees a table of `rows` rows: id, half = id/2, few = id % 7. */
function bigWorkspace(rows: number): ReturnType<typeof workspace> {
  const ws = workspace(
    `pipeline: cols\ndata:\n  train: data/train.csv\ntraining:\n  - stage: grow\n    uses: ./stages/grow.ts\n  - stage: look\n    uses: ./stages/pass.ts\n`,
  );
  ws.write(
    'stages/grow.ts',
    `import { numberColumn, Table } from 'plumb';
export default function grow(): Table {
  const n = ${rows};
  const id = new Float64Array(n), half = new Float64Array(n), few = new Float64Array(n);
  for (let r = 0; r < n; r++) { id[r] = r; half[r] = r / 2; few[r] = r % 7; }
  return new Table([numberColumn('id', id), numberColumn('half', half), numberColumn('few', few)]);
}
`,
  );
  ws.write('stages/pass.ts', `import type { Table } from 'plumb';\nexport default function pass(t: Table): Table { return t; }\n`);
  return ws;
}

async function stopAtLook(s: Session, file: string): Promise<void> {
  await s.launch({ pipeline: file }, async () => {
    await s.client.request({ cmd: 'setFunctionBreakpoints', breakpoints: [{ name: 'look' }] });
  });
  await s.stopped();
}

const named = (vars: Variable[], name: string): Variable => {
  const v = vars.find((x) => x.name === name);
  if (!v) throw new Error(`no '${name}' among ${vars.map((x) => x.name).join(', ')}`);
  return v;
};

test('a high-cardinality column above the threshold labels its sampled top values and counts them exactly on demand', async () => {
  const rows = 120_000;
  const ws = bigWorkspace(rows);
  const s = await Session.open();
  try {
    await stopAtLook(s, ws.file);
    const vars = async (ref: number): Promise<Variable[]> => (await s.client.request({ cmd: 'variables', ref })).variables;
    let top = await vars(await s.scope('Input'));
    const table = top.find((v) => v.type === 'Table');
    if (table) top = await vars(table.ref);
    const columns = await vars(named(top, 'columns').ref);
    const half = await vars(named(columns, 'half').ref);

    const direct = summarizeColumn(numberColumn('half', Float64Array.from({ length: rows }, (_, i) => i / 2)), { topK: 10 });
    assert.equal(named(half, 'mean').value, String(direct.mean));
    assert.equal(named(half, 'std').value, String(Number(direct.std!.toPrecision(12))));
    assert.equal(named(half, 'p50').value, String(direct.quantiles!.p50));
    assert.equal(named(half, 'max').value, String(direct.max));
    assert.equal(named(half, 'distinct').value, 'more than 65536');
    assert.match(named(half, 'top values').value, /counts in a sample of 20000 of 120000 rows$/);

    const exact = await vars(named(half, 'exact').ref);
    assert.equal(named(exact, 'distinct').value, String(rows));
    assert.equal(named(exact, 'top values').value, direct.top.map((t) => `${t.value} (${t.count})`).join(', '));
    assert.ok(!exact.some((v) => v.name === 'exact'));

    // A low-cardinality column is counted exactly, with no sample and no `exact` child.
    const few = await vars(named(columns, 'few').ref);
    assert.equal(named(few, 'distinct').value, '7');
    assert.match(named(few, 'top values').value, /^0 \(17143\), 1 \(17143\), 2 \(17143\)/);
    assert.ok(!few.some((v) => v.name === 'exact'));

    // Expressions are exact: distinct and top over every row, computed outside the time limit.
    assert.equal((await s.client.request({ cmd: 'evaluate', expression: 'input.half.distinct' })).result, String(rows));
    assert.equal((await s.client.request({ cmd: 'evaluate', expression: 'input.half.top[1].value' })).result, '0.5');
  } finally {
    await s.close();
    ws.cleanup();
  }
});

test('evaluating statistics of a 10M-row column answers exactly instead of timing out', { timeout: 120_000 }, async () => {
  const rows = 10_000_000;
  const ws = bigWorkspace(rows);
  const s = await Session.open();
  try {
    await stopAtLook(s, ws.file);
    const evaluate = async (expression: string): Promise<string> => (await s.client.request({ cmd: 'evaluate', expression })).result;
    // First read of a statistic: the "pending" signal is the context's own error: it leads nowhere outside the sandbox.
    await evaluate(
      `globalThis.probe ??= (() => { try { return String(input.id.std) } catch (e) { try { return typeof e.constructor.constructor('return process')() } catch (x) { return 'blocked ' + x.name } } })()`,
    );
    assert.equal(await evaluate('probe'), '"blocked EvalError"');
    // half = r / 2: sums of halves are exact in doubles, so these are the true values.
    assert.equal(await evaluate('input.half.mean'), String((rows - 1) / 4));
    assert.equal(await evaluate('input.half.p50'), String((rows - 1) / 4)); // numpy linear: between 2499999.5 and 2500000
    assert.equal(await evaluate('input.half.p25'), '1249999.875');
    assert.equal(await evaluate('[input.id.min, input.id.max, input.few.distinct].join()'), `"0,${rows - 1},7"`);
  } finally {
    await s.close();
    ws.cleanup();
  }
});

// ---- background summaries (table-view.ts) ---------------------------------------------

/** A table of three number columns of `rows` rows (one with missing values) and one category column. */
function backgroundTable(rows: number): Table {
  let seed = 11;
  const rnd = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const noise = Float64Array.from({ length: rows }, () => (rnd() - 0.4) * 1e3);
  const holes = Float64Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? NaN : Math.floor(rnd() * 40)));
  const half = Float64Array.from({ length: rows }, (_, i) => i / 2);
  const kind = categoryColumn('kind', Array.from({ length: rows }, (_, i) => (i % 3 ? 'a' : 'b')));
  return new Table([numberColumn('noise', noise), numberColumn('holes', holes), numberColumn('half', half), kind]);
}

function freshEnv(): VarEnv {
  return { refs: new RefTable(), cache: new TableCache() };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Every column's expanded statistics, as shown (name and value of each child). */
function expandAll(env: VarEnv, tableRef: number): { column: string; stats: [string, string][] }[] {
  const top = env.refs.get(tableRef).children({});
  const cols = env.refs.get(named(top, 'columns').ref).children({});
  return cols.map((c) => ({ column: c.name, stats: env.refs.get(c.ref).children({}).map((k): [string, string] => [k.name, k.value]) }));
}

test('background column summaries: expanding before, during or after them shows the same statistics', async () => {
  const rows = 120_000; // above FAST_DEFAULTS.exactRows: the stepped fast path
  const t = backgroundTable(rows);
  const numbers = t.columns.filter((c) => c.type === 'number');

  const atOnce = freshEnv();
  const shownAtOnce = expandAll(atOnce, tableVariable(atOnce, 'input', t).ref);

  const finished = freshEnv();
  const finishedRef = tableVariable(finished, 'input', t).ref;
  assert.equal(finished.cache.backgroundPending(), numbers.length, 'number columns queued when the table is shown');
  for (let i = 0; i < 10_000 && finished.cache.backgroundPending() > 0; i++) await turn();
  assert.equal(finished.cache.backgroundPending(), 0);
  for (const c of numbers) assert.ok(finished.cache.has(c, false), `${c.name} summarised in the background`);
  const shownFinished = expandAll(finished, finishedRef);

  const midway = freshEnv();
  const midwayRef = tableVariable(midway, 'input', t).ref;
  for (let i = 0; i < 3; i++) await turn();
  assert.ok(!midway.cache.has(numbers[0], false), 'still under way after three steps');
  const shownMidway = expandAll(midway, midwayRef);

  assert.deepStrictEqual(shownFinished, shownAtOnce);
  assert.deepStrictEqual(shownMidway, shownAtOnce);
  // And the values are summarizeColumnFast's.
  const direct = summarizeColumnFast(numbers[1], { topK: 10 });
  const holes = shownAtOnce.find((c) => c.column === 'holes')!.stats;
  assert.deepStrictEqual(holes.find(([k]) => k === 'mean'), ['mean', formatScalar(direct.mean)]);
  assert.deepStrictEqual(holes.find(([k]) => k === 'p75'), ['p75', formatScalar(direct.quantiles!.p75)]);
  assert.deepStrictEqual(holes.find(([k]) => k === 'missing'), ['missing', String(Math.ceil(rows / 13))]);
});

test('background column summaries: a resume (references reset) drops the queued and half-done work', async () => {
  const t = backgroundTable(120_000);
  const numbers = t.columns.filter((c) => c.type === 'number');
  const env = freshEnv();
  tableVariable(env, 'input', t);
  await turn();
  await turn();
  assert.equal(env.cache.backgroundPending(), numbers.length, 'under way, nothing finished yet');
  env.refs.reset(); // what the session does on every resume
  assert.equal(env.cache.backgroundPending(), 0, 'nothing left pending');
  for (let i = 0; i < 50; i++) await turn();
  for (const c of numbers) assert.ok(!env.cache.has(c, false), `${c.name} was not summarised after the resume`);
  // A later stop showing the same table starts again and finishes.
  const ref = tableVariable(env, 'input', t).ref;
  for (let i = 0; i < 10_000 && env.cache.backgroundPending() > 0; i++) await turn();
  for (const c of numbers) assert.ok(env.cache.has(c, false));
  assert.ok(expandAll(env, ref).length === t.columnCount);
});

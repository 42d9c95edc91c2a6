// One-hot columns are indicator columns (the category's row index, shared, with the floats
// made on first read). Every consumer must see exactly what plain Float64Array 0/1 columns
// give: summaries, pages, CSV / Arrow / JSON writers, take/slice, models (which read the
// index without making the floats), predict, and a spread copy. Each check compares the
// one-hot output with the same table rebuilt from plain columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, indicatorOf, numberColumn, Table, type Column } from '../../runtime/table/table';
import { formatCsv, parseCsv } from '../../runtime/table/csv';
import { tableFromArrowIPC, tableToArrowIPC } from '../../runtime/table/arrow';
import { summarizeTable } from '../../runtime/table/summary';
import { summarizeColumnFast } from '../../runtime/table/summary-fast';
import { pageRows } from '../../runtime/table/page';
import { stages as encodeStages } from '../../runtime/stages/encode';
import { logisticRegression, predictors } from '../../runtime/stages/logistic';
import { featureMatrix } from '../../runtime/stages/model-data';
import type { FittedStage, ModelStage } from '../../runtime/stages/types';
import { fakeContext, sync } from './helpers';

const oneHot = encodeStages.find((s) => s.type === 'one-hot') as FittedStage;

function encoded(): Table {
  const n = 500;
  const plan: (string | null)[] = [];
  const region: (string | null)[] = [];
  const x: number[] = [];
  const label: string[] = [];
  for (let i = 0; i < n; i++) {
    plan.push(i % 13 === 0 ? null : ['basic', 'pro', 'team'][(i * 7) % 3]);
    region.push(['eu', 'us'][(i >> 2) % 2]);
    x.push(((i * 37) % 101) / 10);
    label.push((i * 7) % 3 === 1 || x[i] > 8 ? 'yes' : 'no');
  }
  const input = new Table([numberColumn('x', x), categoryColumn('plan', plan), categoryColumn('region', region), categoryColumn('label', label)]);
  const ctx = fakeContext({ columns: ['plan', 'region'] }, { uses: 'one-hot', target: 'label' });
  return sync(oneHot.transform(input, sync(oneHot.fit(input, ctx)), ctx));
}

/** The same table with every column rebuilt from plain arrays (no indicators). */
function plain(t: Table): Table {
  return new Table(t.columns.map((c): Column => (c.type === 'number' ? { type: 'number', name: c.name, values: Float64Array.from(c.values), missing: c.missing } : c)));
}

test('one-hot columns are indicators sharing one index per category, and say so until read', () => {
  const t = encoded();
  assert.deepEqual(t.names, ['x', 'plan=basic', 'plan=pro', 'plan=team', 'region=eu', 'region=us', 'label']);
  const ind = ['plan=basic', 'plan=pro', 'plan=team'].map((n) => indicatorOf(t.column(n))!);
  assert.ok(ind.every((i) => i && i.index === ind[0].index && i.shares === 3));
  assert.deepEqual(ind.map((i) => i.position), [0, 1, 2]);
  // byteSize counts each shared index once, not 8 bytes a row per column.
  assert.equal(t.byteSize, 500 * 8 + 500 * 4 + 500 * 4 + (500 * 4 + ('no'.length + 'yes'.length) * 2)); // x, plan, region, label (codes + dictionary)
  // Reading the values makes them (once), after which the column is a plain one.
  const v = t.numberColumn('plan=pro').values;
  assert.equal(v, t.numberColumn('plan=pro').values);
  assert.equal(indicatorOf(t.column('plan=pro')), undefined);
  assert.deepEqual([...v.slice(0, 6)], [0, 1, 0, 0, 1, 0]); // 'pro' at rows 1 and 4; row 0 is missing
  assert.equal(t.byteSize, 500 * 8 + 500 * 4 + 500 * 4 + (500 * 4 + ('no'.length + 'yes'.length) * 2)); // computed once per table
});

test('every reader sees what plain 0/1 columns give', () => {
  const t = encoded();
  const p = plain(encoded());
  assert.deepEqual(t.toRows(), p.toRows());
  assert.deepEqual(pageRows(encoded(), 10, 25), pageRows(p, 10, 25));
  assert.equal(formatCsv(encoded()), formatCsv(p));
  assert.deepEqual(parseCsv(formatCsv(encoded())).toRows(), p.toRows());
  assert.deepEqual(tableFromArrowIPC(tableToArrowIPC(encoded())).toRows(), p.toRows());
  // Only the memory figure differs: an indicator holds a share of its category's index.
  const { bytes: indicatorBytes, ...summary } = summarizeTable(encoded());
  const { bytes: plainBytes, ...plainSummary } = summarizeTable(p);
  assert.deepEqual(summary, plainSummary);
  assert.ok(indicatorBytes < plainBytes);
  const fresh = encoded();
  for (const name of ['plan=basic', 'region=us']) assert.deepEqual(summarizeColumnFast(fresh.column(name)), summarizeColumnFast(p.column(name)));
  // A spread copy (e.g. a rename) has plain values.
  const copy = { ...encoded().numberColumn('plan=team'), name: 'team' };
  assert.ok(copy.values instanceof Float64Array);
  assert.deepEqual([...copy.values], [...p.numberColumn('plan=team').values]);
});

test('take and slice keep indicators (one taken index per category) with the right rows', () => {
  const t = encoded();
  const rows = [499, 0, 3, 3, 250, 17];
  const taken = t.take(rows);
  const a = indicatorOf(taken.column('plan=basic'))!;
  const b = indicatorOf(taken.column('plan=team'))!;
  assert.ok(a && b && a.index === b.index && a.index.length === rows.length);
  assert.deepEqual(taken.toRows(), plain(encoded()).take(rows).toRows());
  assert.deepEqual(encoded().slice(100, 140).toRows(), plain(encoded()).slice(100, 140).toRows());
});

test('models read the index without making the floats, and train and predict exactly as on plain columns', async () => {
  const t = encoded();
  const features = t.names.filter((n) => n !== 'label');
  const m = featureMatrix('test', t, features);
  assert.ok(features.filter((f) => f.includes('=')).every((f) => indicatorOf(t.column(f))), 'no indicator was made into floats');
  assert.deepEqual(m, featureMatrix('test', plain(t), features));

  const lr = logisticRegression as ModelStage;
  const params = { epochs: 5, learning_rate: 0.1, batch_size: 64 };
  const fit = (table: Table) => lr.train(table, fakeContext(params, { uses: lr.type, target: 'label', seed: 1 }));
  const a = await fit(encoded());
  const b = await fit(plain(encoded()));
  assert.deepEqual(a, b);
  const predict = predictors['logistic-regression'];
  assert.deepEqual(predict(a, encoded()), predict(b, plain(encoded())));
});

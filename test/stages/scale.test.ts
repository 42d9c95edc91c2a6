import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryColumn, numberColumn, Table } from '../../runtime/table/table';
import { stages } from '../../runtime/stages/scale';
import type { FittedStage } from '../../runtime/stages/types';
import { assertClose, cells, fakeContext, sync, assertStageSchemas } from './helpers';

const standard = stages.find((s) => s.type === 'standard-scale') as FittedStage;
const minMax = stages.find((s) => s.type === 'min-max-scale') as FittedStage;

// Fixture shared with the scikit-learn 1.2.1 reference run:
//   a = [[1.5, 10, 7], [2.5, nan, 7], [4, 30, 7], [-1, 20, 7], [0.25, 25, 7]]
const fixture = () =>
  new Table([
    numberColumn('a', [1.5, 2.5, 4, -1, 0.25]),
    numberColumn('b', [10, null, 30, 20, 25]),
    numberColumn('c', [7, 7, 7, 7, 7]),
    categoryColumn('plan', ['x', 'y', 'x', 'y', 'x']),
    numberColumn('label', [0, 1, 0, 1, 1]),
  ]);

function run(stage: FittedStage, params: Record<string, unknown>, input = fixture(), target = 'label') {
  const ctx = fakeContext(params, { uses: stage.type, target });
  const state = sync(stage.fit(input, ctx));
  return { state, output: sync(stage.transform(input, state, ctx)), ctx, input };
}

test('scale stages have strict, documented param schemas', () => {
  assertStageSchemas(stages);
});

test('standard-scale matches StandardScaler: population std, NaN ignored and kept, constant scaled by 1', () => {
  const { state, output, input } = run(standard, {});
  // StandardScaler().fit(a): mean_ = [1.45, 21.25, 7], scale_ = [1.7349351572897473, 7.39509972887452, 1]
  assert.deepEqual(Object.keys(state.columns), ['a', 'b', 'c']);
  assertClose([state.columns.a.mean, state.columns.b.mean, state.columns.c.mean], [1.45, 21.25, 7]);
  assertClose([state.columns.a.scale, state.columns.b.scale, state.columns.c.scale], [1.7349351572897473, 7.39509972887452, 1]);
  // StandardScaler().fit_transform(a)
  assertClose(cells(output, 'a'), [0.028819520885211773, 0.6052099385894467, 1.469795565145799, -1.4121565233753757, -0.691668501245082]);
  assertClose(cells(output, 'b'), [-1.52127765851133, null, 1.1832159566199232, -0.16903085094570333, 0.50709255283711]);
  assertClose(cells(output, 'c'), [0, 0, 0, 0, 0]);
  // The missing mask is carried over; the target and category columns are untouched.
  assert.deepEqual(Array.from(output.numberColumn('b').missing ?? []), [0, 1, 0, 0, 0]);
  assert.equal(output.column('label'), input.column('label'));
  assert.equal(output.column('plan'), input.column('plan'));
});

test('standard-scale with_mean / with_std switches (sklearn reference values)', () => {
  // StandardScaler(with_mean=False).fit_transform(a)[:, 0]
  assertClose(cells(run(standard, { with_mean: false }).output, 'a'), [
    0.8645856265563524, 1.4409760442605872, 2.3055616708169397, -0.5763904177042349, 0.14409760442605873,
  ]);
  // StandardScaler(with_std=False).fit_transform(a)[:, 0]
  assertClose(cells(run(standard, { with_std: false }).output, 'a'), [0.050000000000000044, 1.05, 2.55, -2.45, -1.2]);
  const neither = run(standard, { with_mean: false, with_std: false });
  assert.equal(neither.output.column('a'), neither.input.column('a'));
});

test('a column constant up to rounding is scaled by 1, not by a tiny std', () => {
  // sklearn: StandardScaler().fit([[0.3]] * 11) gives var_ = 0, scale_ = 1.
  const input = new Table([numberColumn('x', new Float64Array(11).fill(0.3))]);
  const { state, output } = run(standard, {}, input);
  assert.equal(state.columns.x.scale, 1);
  for (const v of cells(output, 'x')) assert.ok(Math.abs(v as number) < 1e-15);
});

test('min-max-scale matches MinMaxScaler, including a custom range and a constant column', () => {
  // MinMaxScaler().fit_transform(a)
  const unit = run(minMax, {});
  assertClose(cells(unit.output, 'a'), [0.5, 0.7, 1, 0, 0.25]);
  assertClose(cells(unit.output, 'b'), [0, null, 1, 0.5, 0.75]);
  assertClose(cells(unit.output, 'c'), [0, 0, 0, 0, 0]);
  assert.deepEqual(unit.state.columns.b, { data_min: 10, data_max: 30, scale: 0.05, offset: -0.5 });
  // MinMaxScaler(feature_range=(-1, 2)).fit_transform(a)
  const wide = run(minMax, { min: -1, max: 2 });
  assertClose(cells(wide.output, 'a'), [0.4999999999999999, 1.1, 2, -1, -0.25]);
  assertClose(cells(wide.output, 'b'), [-1, null, 2, 0.5, 1.25]);
  assertClose(cells(wide.output, 'c'), [-1, -1, -1, -1, -1]);
  assert.throws(() => run(minMax, { min: 1, max: 1 }), /'min' \(1\) must be a number smaller than 'max' \(1\)/);
});

test('states survive JSON; new data is scaled with the fitted statistics', () => {
  // sklearn: scaler.transform([[5, 40, 8]]) -> standard [2.0461859828500337, 2.53546276418555, 1.0],
  // min-max [1.2, 1.5, 1.0]
  const fresh = new Table([numberColumn('a', [5]), numberColumn('b', [40]), numberColumn('c', [8])]);
  const expected: Record<string, number[]> = {
    'standard-scale': [2.0461859828500337, 2.53546276418555, 1],
    'min-max-scale': [1.2, 1.5, 1],
  };
  for (const stage of [standard, minMax]) {
    const { state, output, input } = run(stage, {});
    const saved = JSON.parse(JSON.stringify(state));
    const ctx = fakeContext({}, { uses: stage.type, mode: 'inference' });
    const replay = sync(stage.transform(input, saved, ctx));
    for (const name of output.names) assert.deepEqual(cells(replay, name), cells(output, name));
    const scaled = sync(stage.transform(fresh, saved, ctx));
    assertClose(['a', 'b', 'c'].map((n) => scaled.cell(0, n)), expected[stage.type]);
  }
});

test('all-missing columns warn; bad columns are named', () => {
  const input = new Table([numberColumn('x', [1, 2]), numberColumn('gone', [null, null])]);
  for (const stage of [standard, minMax]) {
    const { state, output, ctx } = run(stage, {}, input);
    assert.deepEqual(Object.keys(state.columns), ['x']);
    assert.deepEqual(ctx.warnings.map((w) => w.code), ['all-missing']);
    assert.equal(output.column('gone'), input.column('gone'));
    assert.throws(() => run(stage, { columns: ['plan'] }), /'plan' is a category column; this stage needs number columns/);
    assert.throws(() => run(stage, { columns: ['z'] }), /no column 'z'/);
    assert.throws(
      () => stage.transform(new Table([numberColumn('y', [1])]), state, fakeContext({}, { uses: stage.type })),
      /column 'x' was scaled at fit but is not in the input \(available: y\)/,
    );
  }
});

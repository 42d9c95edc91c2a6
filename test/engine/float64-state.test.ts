// README: a fitted stage's state and a trained model may hold Float64Arrays. They must
// be accepted, saved, and give inference exactly what the training run had in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline, runPipeline, predictors, Table, type NumberColumn } from '../../runtime';
import { workspace, baseWithStagesInstead } from './fixture';

const PIPELINE = baseWithStagesInstead(`  - stage: impute
    uses: impute
    with: { strategy: median }
  - stage: centre
    uses: ./stages/centre.ts
`).replace('uses: logistic-regression\n    with: { epochs: "${params.epochs}", learning_rate: "${params.lr}" }', 'uses: ./stages/f64-logistic.ts');

// Fitted: subtracts the training means of x and y. `means` is short (saved as JSON) and
// `weights` is long (saved as raw float64), so both store paths are exercised.
const CENTRE = `import { numberColumn, type Table } from 'plumb';
const COLS = ['x', 'y'];
export default {
  fit(input: Table) {
    const means = new Float64Array(COLS.length);
    COLS.forEach((c, j) => {
      const v = input.numberColumn(c).values;
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i];
      means[j] = s / v.length;
    });
    const weights = new Float64Array(5000).fill(0.5);
    return { columns: COLS, means, weights };
  },
  transform(input: Table, state: { columns: string[]; means: ArrayLike<number>; weights: ArrayLike<number> }) {
    let out = input;
    state.columns.forEach((c, j) => {
      const v = input.numberColumn(c).values;
      const w = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) w[i] = (v[i] - state.means[j]) * 2 * state.weights[4999];
      out = out.withColumn(numberColumn(c, w));
    });
    return out;
  },
};
`;

// Model: the built-in logistic regression, with its weights handed back as Float64Arrays.
const F64_LOGISTIC = `import { builtinStages, type Table, type StageContext } from 'plumb';
export default {
  async train(input: Table, ctx: StageContext) {
    const def = builtinStages.get('logistic-regression') as any;
    const model = await def.train(input, ctx);
    model.data.coef = model.data.coef.map((row: number[]) => Float64Array.from(row));
    model.data.intercept = Float64Array.from(model.data.intercept);
    return model;
  },
};
`;

test('Float64Arrays in a fitted state and a trained model are saved and replayed exactly in inference', async () => {
  const ws = workspace(PIPELINE);
  try {
    ws.write('stages/centre.ts', CENTRE);
    ws.write('stages/f64-logistic.ts', F64_LOGISTIC);
    const spec = await loadPipeline(ws.file);
    const trained = await runPipeline(spec, { mode: 'train' });
    assert.equal(trained.status, 'ok', trained.error?.message);
    assert.ok(trained.states.centre && (trained.states.centre as unknown as { means: unknown }).means instanceof Float64Array);
    assert.ok(trained.metrics.accuracy > 0.8, `accuracy ${trained.metrics.accuracy}`);

    const served = await runPipeline(spec, { mode: 'inference', version: trained.version });
    assert.equal(served.status, 'ok', served.error?.message);
    assert.equal(served.output.rowCount, 50);

    // Expected, in process: the training run's own state and model applied to the new rows.
    const imputed = await runPipeline(spec, { mode: 'inference', version: trained.version, stopAfter: 'impute', store: undefined });
    assert.equal(imputed.status, 'ok', imputed.error?.message);
    const st = trained.states.centre as unknown as { means: Float64Array };
    let x: Table = imputed.output;
    for (const [j, c] of ['x', 'y'].entries()) {
      const col = x.column(c) as NumberColumn;
      const expectedValues = Array.from(col.values, (v) => (v - st.means[j]) * 2 * 0.5);
      const got = served.output.column(c) as NumberColumn;
      assert.deepEqual(Array.from(got.values), expectedValues, `column ${c}`);
    }
    x = served.output;
    const expected = predictors.get('logistic-regression')!(trained.model!, x);
    assert.equal(expected.label.type, 'category');
    for (let r = 0; r < served.output.rowCount; r++) {
      const want: string | null = expected.label.type === 'category' ? expected.label.dictionary[expected.label.codes[r]] : null;
      assert.equal(served.output.cell(r, 'prediction'), want, `row ${r}`);
    }
  } finally {
    ws.cleanup();
  }
});

test('a Float64Array holding NaN in a fitted state is refused with its place, like a NaN number', async () => {
  const ws = workspace(
    baseWithStagesInstead(`  - stage: bad
    uses: ./stages/bad.ts
`),
  );
  try {
    ws.write(
      'stages/bad.ts',
      `export default { fit: () => ({ w: new Float64Array([1, NaN]) }), transform: (t: any) => t };\n`,
    );
    const spec = await loadPipeline(ws.file);
    const r = await runPipeline(spec, { store: false, stopAfter: 'bad' });
    assert.equal(r.status, 'failed');
    assert.match(r.error!.message, /not plain JSON at \.w\[1\] \(NaN\)/);
  } finally {
    ws.cleanup();
  }
});

// The engine's data warnings for columns written by built-in stages. Those stages record their
// columns' counts as they write them, so the engine does not read the columns again: the
// warnings must still be the ones a scan would give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline, runPipeline } from '../../runtime/index';
import { workspace, BASE_PIPELINE } from './fixture';

/**
 * A user stage in front of the built-in ones that adds a column `extra` of `body` per row i;
 * NaN values are marked missing unless `unmarked`.
 */
function withExtraColumn(body: string, unmarked = false) {
  const ws = workspace(BASE_PIPELINE.replace('feature:\n', 'feature:\n  - stage: extra\n    uses: ./stages/extra.ts\n'));
  ws.write(
    'stages/extra.ts',
    `import { numberColumn, type Table } from 'plumb';
export default (input: Table): Table => {
  const n = input.rowCount;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (${body});
  return input.withColumn(${unmarked ? "{ ...numberColumn('extra', out), missing: null }" : "numberColumn('extra', out)"});
};
`,
  );
  return ws;
}

async function warningsOf(file: string, stopAfter = 'encode'): Promise<{ stage: string; code?: string; message: string }[]> {
  const spec = await loadPipeline(file);
  const warnings: { stage: string; code?: string; message: string }[] = [];
  const r = await runPipeline(spec, {
    store: false,
    stopAfter,
    onEvent: (e) => void (e.type === 'warning' && warnings.push({ stage: e.ref?.stage ?? '', code: e.code, message: e.message })),
  });
  assert.equal(r.status, 'ok', String(r.error));
  return warnings;
}

test('built-in stages raise no data warning on clean data (CSV with missing values)', async () => {
  const ws = workspace();
  try {
    const warnings = await warningsOf(ws.file);
    assert.deepEqual(warnings.filter((w) => w.code === 'non-finite' || w.code === 'all-missing'), []);
  } finally {
    ws.cleanup();
  }
});

test('NaN that scale writes (from NaN not marked missing) is still flagged on the scale stage, with the exact count', async () => {
  // impute sees no missing value and passes the column through; scale ignores NaN at fit and
  // writes (NaN - mean) / std = NaN for those rows in a new column.
  const ws = withExtraColumn('i % 10 === 0 ? NaN : i', true);
  try {
    const warnings = await warningsOf(ws.file);
    const spec = await loadPipeline(ws.file);
    const extra = (await runPipeline(spec, { store: false, stopAfter: 'extra' })).output.numberColumn('extra').values;
    const nan = extra.filter((v) => Number.isNaN(v)).length;
    assert.ok(nan > 1);
    const message = `column 'extra' has ${nan} NaN or infinite values not marked missing`;
    assert.deepEqual(
      warnings.filter((w) => w.code === 'non-finite'),
      [
        { stage: 'extra', code: 'non-finite', message },
        { stage: 'scale', code: 'non-finite', message },
      ],
    );
  } finally {
    ws.cleanup();
  }
});

test('infinities that impute carries over are flagged on the impute stage too', async () => {
  // Every 10th value infinite, every 7th missing (NaN, which numberColumn marks missing).
  const ws = withExtraColumn('i % 7 === 0 ? NaN : i % 10 === 0 ? Infinity : i');
  try {
    // Stops after impute: an infinite mean is not a state scale can save.
    const warnings = await warningsOf(ws.file, 'impute');
    const spec = await loadPipeline(ws.file);
    const extra = (await runPipeline(spec, { store: false, stopAfter: 'extra' })).output.numberColumn('extra').values;
    const inf = extra.filter((v) => v === Infinity).length;
    assert.ok(inf > 0);
    const nonFinite = warnings.filter((w) => w.code === 'non-finite');
    const message = `column 'extra' has ${inf} NaN or infinite value${inf === 1 ? '' : 's'} not marked missing`;
    assert.deepEqual(nonFinite.filter((w) => w.stage === 'extra').map((w) => w.message), [message]);
    assert.deepEqual(nonFinite.filter((w) => w.stage === 'impute').map((w) => w.message), [message]);
  } finally {
    ws.cleanup();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { DataError } from '../../runtime/errors';
import { readArrow, tableFromArrowIPC, tableToArrowIPC, writeArrow } from '../../runtime/table/arrow';
import { Table, categoryColumn, numberColumn } from '../../runtime/table/table';
import { tempDir } from './helpers';

const sample = () =>
  new Table([
    numberColumn('x', [1.5, null, -0.25, 1e300]),
    categoryColumn('c', ['a', null, 'b', 'a']),
    categoryColumn('empty', [null, null, null, null]),
  ]);

test('round-trip through Arrow IPC keeps values, types and missing cells', () => {
  const t = sample();
  const bytes = tableToArrowIPC(t);
  // The bytes are a real Arrow file with the documented types.
  const at = arrow.tableFromIPC(bytes);
  assert.equal(at.numRows, 4);
  assert.ok(arrow.DataType.isFloat(at.getChild('x')!.type));
  assert.ok(arrow.DataType.isDictionary(at.getChild('c')!.type));
  assert.equal(at.getChild('x')!.nullCount, 1);
  assert.equal(at.getChild('c')!.get(1), null);
  const back = tableFromArrowIPC(bytes);
  assert.deepEqual(back.toRows(), t.toRows());
  assert.deepEqual(back.columns.map((c) => c.type), ['number', 'category', 'category']);
});

test('reads Int, Float32, Utf8 and Bool columns made by other writers', () => {
  const at = arrow.tableFromArrays({
    i: Int32Array.from([1, 2, 3]),
    f: Float32Array.from([0.5, 1.5, 2.5]),
    s: ['x', 'y', 'x'],
    big: BigInt64Array.from([10n, 20n, 30n]),
  });
  const withBool = at.assign(new arrow.Table({ ok: arrow.vectorFromArray([true, null, false], new arrow.Bool()) }));
  const t = tableFromArrowIPC(arrow.tableToIPC(withBool, 'file'));
  assert.deepEqual(t.toRows().map((r) => ({ ...r })), [
    { i: 1, f: 0.5, s: 'x', big: 10, ok: 'true' },
    { i: 2, f: 1.5, s: 'y', big: 20, ok: null },
    { i: 3, f: 2.5, s: 'x', big: 30, ok: 'false' },
  ]);
  assert.equal(t.column('s').type, 'category');
});

test('unsupported types and garbage bytes are DataErrors; files round-trip', async () => {
  const lists = new arrow.Table({ l: arrow.vectorFromArray([[1], [2, 3]]) });
  assert.throws(() => tableFromArrowIPC(arrow.tableToIPC(lists)), (e: unknown) => e instanceof DataError && /column 'l'/.test(e.message));
  assert.throws(() => tableFromArrowIPC(new Uint8Array([1, 2, 3, 4]), { file: 'x.arrow' }), DataError);
  const { dir, cleanup } = tempDir();
  try {
    const f = path.join(dir, 't.arrow');
    await writeArrow(sample(), f);
    assert.deepEqual((await readArrow(f)).toRows(), sample().toRows());
    await assert.rejects(readArrow(path.join(dir, 'none.arrow')), /none\.arrow: no such file/);
  } finally {
    cleanup();
  }
});

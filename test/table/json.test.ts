import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../runtime/errors';
import { formatJson, parseJson, readJson, writeJson } from '../../runtime/table/json';
import { missingCount } from '../../runtime/table/table';
import { tempDir } from './helpers';

const penguinsPath = path.join(__dirname, '../../node_modules/vega-datasets/data/penguins.json');

test('penguins.json: shape, types and missing counts match the raw JSON', async () => {
  const raw = JSON.parse(fs.readFileSync(penguinsPath, 'utf8')) as Record<string, unknown>[];
  const t = await readJson(penguinsPath);
  const keys = [...new Set(raw.flatMap((r) => Object.keys(r)))];
  assert.equal(t.rowCount, raw.length);
  assert.equal(t.rowCount, 344);
  assert.deepEqual(t.names, keys);
  for (const k of keys) {
    const vals = raw.map((r) => r[k]);
    const expectedMissing = vals.filter((v) => v === null || v === undefined).length;
    const numeric = vals.every((v) => v === null || v === undefined || typeof v === 'number');
    const col = t.column(k);
    assert.equal(col.type, numeric ? 'number' : 'category', k);
    assert.equal(missingCount(col), expectedMissing, k);
  }
  assert.ok(missingCount(t.column('Sex')) > 0, 'Sex has some nulls');
  assert.equal(t.cell(0, 'Beak Length (mm)'), raw[0]['Beak Length (mm)']);
  const sum = (rows: unknown[]) => rows.reduce<number>((s, v) => s + (typeof v === 'number' ? v : 0), 0);
  const col = t.numberColumn('Body Mass (g)');
  let ours = 0;
  for (let i = 0; i < t.rowCount; i++) if (!col.missing?.[i]) ours += col.values[i];
  assert.equal(ours, sum(raw.map((r) => r['Body Mass (g)'])));
});

test('booleans, mixed columns and absent keys follow the documented coercions', () => {
  const t = parseJson('[{"a":1,"b":true,"c":1.5},{"a":null,"b":false,"c":"x"},{"b":null,"d":"only"}]');
  assert.deepEqual(t.names, ['a', 'b', 'c', 'd']);
  assert.equal(t.column('a').type, 'number');
  assert.deepEqual(t.toRows().map((r) => ({ ...r })), [
    { a: 1, b: 'true', c: '1.5', d: null },
    { a: null, b: 'false', c: 'x', d: null },
    { a: null, b: null, c: null, d: 'only' },
  ]);
});

test('column-oriented objects are accepted', () => {
  const t = parseJson('{"x":[1,2,null],"y":["a","b","a"]}');
  assert.equal(t.rowCount, 3);
  assert.deepEqual(t.toRows().map((r) => ({ ...r })), [
    { x: 1, y: 'a' },
    { x: 2, y: 'b' },
    { x: null, y: 'a' },
  ]);
  assert.throws(() => parseJson('{"x":[1,2],"y":[1]}', { file: 'c.json' }), /c\.json: column 'y' has 1 values, expected 2/);
});

test('nested values and bad documents are DataErrors naming the place', () => {
  const isData = (re: RegExp) => (e: unknown) => e instanceof DataError && re.test(e.message);
  assert.throws(() => parseJson('[{"a":1},{"a":{"b":2}}]', { file: 'n.json' }), isData(/^n\.json: record 1, key 'a': nested an object/));
  assert.throws(() => parseJson('[{"a":[1]}]'), isData(/record 0, key 'a': nested an array/));
  assert.throws(() => parseJson('{"a":[1,[2]]}'), isData(/column 'a', index 1/));
  assert.throws(() => parseJson('[1,2]'), isData(/record 0 is a number, expected an object/));
  assert.throws(() => parseJson('"text"'), isData(/expected an array of records/));
  assert.throws(() => parseJson('[\n{"a":1},\n{"a":}\n]', { file: 'bad.json' }), isData(/^bad\.json(:3)?: invalid JSON/));
});

test('formatJson / writeJson round-trip through a real file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const t = parseJson('[{"n":1.25,"s":"x"},{"n":null,"s":null},{"n":-3,"s":"y \\"q\\""}]');
    const f = path.join(dir, 'out.json');
    await writeJson(t, f);
    assert.deepEqual(JSON.parse(fs.readFileSync(f, 'utf8')), [
      { n: 1.25, s: 'x' },
      { n: null, s: null },
      { n: -3, s: 'y "q"' },
    ]);
    assert.deepEqual((await readJson(f)).toRows(), t.toRows());
    assert.equal(formatJson(parseJson('[]')), '[]\n');
    await assert.rejects(readJson(path.join(dir, 'missing.json')), /missing\.json: no such file/);
  } finally {
    cleanup();
  }
});

test('a number column keeps its type despite a few bad cells (1e400, stray text) and missing markers, with a warning', () => {
  const recs = Array.from({ length: 50 }, (_, i) => ({ x: i as unknown, k: i % 2 ? 'a' : 'b' }));
  recs[3].x = 'n/a'; // a missing marker: missing, no warning
  recs[5].x = 'oops';
  const text = JSON.stringify(recs).replace('"x":7,', '"x":1e400,'); // JSON.parse makes it Infinity
  const warnings: { message: string; count: number }[] = [];
  const t = parseJson(text, { file: 'd.json', onWarning: (w) => warnings.push(w) });
  const x = t.numberColumn('x');
  assert.deepEqual([3, 5, 7].map((r) => x.missing![r]), [1, 1, 1]);
  assert.ok(Array.from(x.values).every((v) => Number.isNaN(v) || Number.isFinite(v)), 'no Infinity');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].count, 2);
  assert.match(warnings[0].message, /number column 'x': 2 cells .*d\.json: record 5 "oops" \(not a number\), d\.json: record 7 "Infinity" \(too large for a number\)/);
  // Mostly text stays a category, as before.
  assert.equal(parseJson('[{"a":1},{"a":"x"}]').column('a').type, 'category');
});

// Dirty data: each malformed CSV / JSON input is either a clear DataError naming the
// file and the line (or record), or one of the coercions documented in
// reliability/README.md ("Dirty data") — never silent garbage.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { DataError, readTable, type Table } from '../../runtime';
import { CLI, Failures, recordCheck, tempDir } from './helpers';
import { makeCsv, workspace } from '../engine/fixture';

type Expect = { error: RegExp } | { check: (t: Table) => void };

const cell = (t: Table, name: string, row: number): unknown => {
  const c = t.column(name);
  if (c.type === 'number') return c.missing?.[row] ? null : c.values[row];
  return c.codes[row] < 0 ? null : c.dictionary[c.codes[row]];
};

const CASES: Record<string, { body: string | Buffer; expect: Expect }> = {
  'ragged-short.csv': { body: 'a,b\n1,2\n3\n4,5\n', expect: { error: /ragged-short\.csv:3: expected 2 fields, found 1/ } },
  'ragged-long.csv': { body: 'a,b\n1,2,3\n', expect: { error: /ragged-long\.csv:2: expected 2 fields, found 3/ } },
  'bad-quote.csv': { body: 'a,b\n"1,2\n3,4\n', expect: { error: /bad-quote\.csv:2: unterminated quoted field/ } },
  'invalid-utf8.csv': { body: Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]), expect: { error: /invalid-utf8\.csv:2: invalid UTF-8/ } },
  'empty.csv': { body: '', expect: { error: /empty\.csv: empty file: a header row is required/ } },
  'duplicate-headers.csv': { body: 'a,a\n1,2\n', expect: { error: /duplicate-headers\.csv:1: duplicate column name 'a'/ } },
  'bom.csv': { body: '\ufeffa,b\n1,2\n', expect: { check: (t) => assert.deepEqual([t.names, cell(t, 'a', 0)], [['a', 'b'], 1]) } },
  'crlf-lf-mix.csv': { body: 'a,b\r\n1,2\n3,4\r\n', expect: { check: (t) => assert.deepEqual([t.rowCount, cell(t, 'b', 0), cell(t, 'b', 1)], [2, 2, 4]) } },
  'header-only.csv': { body: 'a,b\n', expect: { check: (t) => assert.deepEqual([t.rowCount, t.names], [0, ['a', 'b']]) } },
  'mixed-types.csv': {
    body: 'a,b\n1,x\ny,2\n3,\n',
    // A column with any non-number cell is a category column of the cells' text.
    expect: { check: (t) => assert.deepEqual([t.column('a').type, cell(t, 'a', 0), cell(t, 'a', 1), cell(t, 'b', 2)], ['category', '1', 'y', null]) },
  },
  'quote-inside.csv': { body: 'a,b\n1"x,2\n', expect: { check: (t) => assert.equal(cell(t, 'a', 0), '1"x') } },
  'huge-field.csv': { body: `a,b\n1,${'z'.repeat(10 * 1024 * 1024)}\n`, expect: { check: (t) => assert.equal((cell(t, 'b', 0) as string).length, 10 * 1024 * 1024) } },
  'nested.json': { body: '[{"a":1,"b":{"c":2}}]', expect: { error: /nested\.json: record 0, key 'b': nested/ } },
  'top-scalar.json': { body: '42', expect: { error: /top-scalar\.json: expected an array of records or an object of column arrays/ } },
  'top-null.json': { body: 'null', expect: { error: /top-null\.json: expected an array of records/ } },
  'truncated.json': { body: '[{"a":1},', expect: { error: /truncated\.json: invalid JSON/ } },
  'array-rows.json': { body: '[[1,2],[3,4]]', expect: { error: /array-rows\.json: record 0 is an array, expected an object/ } },
  'ragged-columns.json': { body: '{"a":[1,2],"b":[1]}', expect: { error: /ragged-columns\.json: column 'b' has 1 values, expected 2/ } },
  'mixed-types.json': {
    body: '[{"a":1},{"a":"x"},{"a":true},{"a":null}]',
    expect: { check: (t) => assert.deepEqual([t.column('a').type, cell(t, 'a', 0), cell(t, 'a', 1), cell(t, 'a', 2), cell(t, 'a', 3)], ['category', '1', 'x', 'true', null]) },
  },
  'proto-keys.json': {
    body: '[{"__proto__":1,"constructor":2}]',
    // Keys are column names like any other; nothing reaches Object.prototype.
    expect: { check: (t) => assert.deepEqual([t.names, ({} as { constructor: unknown }).constructor === Object], [['__proto__', 'constructor'], true]) },
  },
};

test('Dirty data: malformed CSV and JSON give a placed error or a documented coercion', async (t) => {
  const dir = tempDir(t, 'plumb-dirty-');
  const failures = new Failures();
  for (const [name, c] of Object.entries(CASES)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, c.body);
    let table: Table | undefined;
    let error: unknown;
    try {
      table = await readTable(file);
    } catch (e) {
      error = e;
    }
    try {
      if ('error' in c.expect) {
        assert.ok(error instanceof DataError, `expected a DataError, got ${error ? String(error) : `a table of ${table?.rowCount} rows`}`);
        assert.ok(error.message.includes(file), `the message names the file: ${error.message}`);
        assert.match(error.message, c.expect.error);
      } else {
        assert.ok(table, `expected a table, got ${String(error)}`);
        c.expect.check(table);
      }
    } catch (e) {
      failures.add(`${name}: ${(e as Error).message.slice(0, 300)}`);
    }
  }
  await recordCheck('dirty-data', { title: 'Dirty CSV and JSON data', trials: 1, cases: Object.keys(CASES).length, failures: failures.count, examples: failures.examples });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

test('plumb run: a stray 1e400 or text cell in a number column is read as missing with a warning naming file:line and column, not turned into a category', () => {
  const ws = workspace();
  try {
    const lines = makeCsv(400, 1).split('\n');
    const swap = (i: number, first: string): void => void (lines[i] = [first, ...lines[i].split(',').slice(1)].join(','));
    swap(5, '1e400');
    swap(9, 'abc');
    swap(11, 'n/a'); // a missing marker: missing, and no warning of its own
    ws.write('data/train.csv', lines.join('\n'));
    const r = spawnSync(process.execPath, [CLI, 'run', ws.file], { cwd: ws.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    // Before: 'x' became a category and logistic-regression asked for a one-hot of it.
    assert.equal(r.status, 0, r.stderr);
    const csv = path.join(ws.dir, 'data', 'train.csv');
    assert.ok(
      r.stderr.includes(`⚠ number column 'x': 2 cells are not numbers and were read as missing: ${csv}:6 "1e400" (too large for a number), ${csv}:10 "abc" (not a number)`),
      r.stderr,
    );
    const j = spawnSync(process.execPath, [CLI, 'run', ws.file, '--json'], { cwd: ws.dir, encoding: 'utf8' });
    const record = JSON.parse(j.stdout).record as { warnings: { code: string; message: string; stage?: string }[] };
    const bad = record.warnings.filter((w) => w.code === 'bad-cells');
    assert.equal(bad.length, 1, JSON.stringify(record.warnings));
    assert.match(bad[0].message, /column 'x'.*train\.csv:6/);
  } finally {
    ws.cleanup();
  }
});

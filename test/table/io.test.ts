import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../runtime/errors';
import { readTable, writeTable } from '../../runtime/table/io';
import { Table, categoryColumn, numberColumn } from '../../runtime/table/table';
import { tempDir } from './helpers';

const sample = () => new Table([numberColumn('x', [1, null, 2.5]), categoryColumn('s', ['a', 'b, c', null])]);

test('writeTable / readTable round-trip by extension, creating folders', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const name of ['t.csv', 't.tsv', 't.json', 't.arrow', 't.ipc', 't.feather']) {
      const f = path.join(dir, 'sub', name);
      await writeTable(sample(), f);
      assert.deepEqual((await readTable(f)).toRows(), sample().toRows(), name);
    }
    assert.equal(fs.readFileSync(path.join(dir, 'sub', 't.tsv'), 'utf8'), 'x\ts\n1\ta\n\tb, c\n2.5\t\n');
    // An explicit format wins over the extension.
    const f = path.join(dir, 'data.txt');
    await writeTable(sample(), f, { format: 'json' });
    assert.deepEqual((await readTable(f, { format: 'json' })).toRows(), sample().toRows());
    await assert.rejects(readTable(f), (e: unknown) => e instanceof DataError && /cannot tell the table format/.test(e.message));
  } finally {
    cleanup();
  }
});

test('a missing file is "<path>: no such file"', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const name of ['a.csv', 'a.json', 'a.arrow']) {
      const f = path.join(dir, name);
      await assert.rejects(readTable(f), (e: unknown) => e instanceof DataError && e.message === `${f}: no such file`);
    }
  } finally {
    cleanup();
  }
});

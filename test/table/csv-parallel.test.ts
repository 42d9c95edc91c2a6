// The parallel CSV path must give exactly the single-threaded result: same columns, types,
// values (bit for bit), missing masks, dictionaries in the same order, and the same errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { PARALLEL_MIN_BYTES, SHARE_MIN_BYTES, parseCsvParallel, readCsvHashed, splitPoints, workersAvailable } from '../../runtime/table/csv-parallel';
import { parseCsv, readCsv, readCsvSingleThread, type CsvOptions } from '../../runtime/table/csv';
import type { Table } from '../../runtime/table/table';
import { tempDir } from './helpers';

/** Everything observable about a table, in a form deepStrictEqual compares exactly (NaN, -0). */
function shape(t: Table): unknown {
  return {
    rows: t.rowCount,
    columns: t.columns.map((c) =>
      c.type === 'number'
        ? { name: c.name, type: c.type, values: Array.from(c.values), missing: c.missing && Array.from(c.missing) }
        : { name: c.name, type: c.type, codes: Array.from(c.codes), dictionary: [...c.dictionary] },
    ),
  };
}

/** The single-threaded outcome: a table shape or an error message. */
function single(text: string, opts: CsvOptions & { file?: string } = {}): unknown {
  try {
    return shape(parseCsv(text, opts));
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function parallel(text: string, chunks: number, opts: CsvOptions & { file?: string } = {}): Promise<unknown> {
  try {
    return shape(await parseCsvParallel(Buffer.from(text, 'utf8'), { ...opts, chunks, minBytes: 0 }));
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const tricky: [string, string][] = [
  ['quoted newlines, commas and doubled quotes', 'id,text,n\n1,"a\nb",1\n2,"x, ""y""",2\n3,"\n\n",3\n4,plain,4\n5,"c\r\nd",5\n'],
  ['CRLF line ends and blank lines', 'a,b\r\n1,x\r\n\r\n2,y\r\n\r\n\r\n3,z\r\n4,x'],
  ['missing tokens, quoted "NA" stays text', 'a,b,c\n1,NA,""\nN/A,"NA",2\nNaN,null,None\n4,,x\n'],
  ['a column that turns into text in a later row keeps the digits as written', 'a,b\n1.50,x\n2,y\n3,z\n4,w\n5,v\nsix,u\n7,t\n'],
  ['a column missing in the first rows and text later', 'a,b\n1,\n2,\n3,\n4,\n5,hello\n6,\n7,world\n'],
  ['categories repeat across chunks in first-appearance order', 'k,v\nb,1\na,2\nc,3\na,4\nd,5\nb,6\ne,7\nc,8\n'],
  ['unicode categories and header', 'naïve,ç\né,1\nü,2\né,3\n日本,4\n'],
  ['stray quotes inside unquoted fields', 'a,b\n5",1\n6",2\nx"y,3\n"q",4\n7,8\n'],
  ['no trailing newline and a byte-order mark', '\ufeffa,b\n1,2\n3,4\n5,6'],
  ['exotic numbers fall back to Number()', 'a,b\n12345678901234567890,1e400\n0.1e-30,-0\n 7 ,+.5\n'],
  ['ragged row (too few) in a late chunk', 'a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,2\n3,4,5\n'],
  ['ragged row (too many) in a late chunk', 'a,b\n1,2\n3,4\n5,6\n7,8\n9,10,11\n'],
  ['unterminated quote', 'a,b\n1,2\n3,"oops\n4,5\n6,7\n'],
  ['text after a closing quote', 'a,b\n1,2\n3,4\n5,"x"y\n6,7\n'],
  ['invalid UTF-8 in a late chunk', 'a,b\n1,x\n2,y\n3,\xff\n4,z\n'],
  ['one column: blank lines are missing cells', 'a\n1\n\n3\n\n5\n'],
  ['header only', 'a,b\n'],
];

for (const [name, text] of tricky) {
  test(`parallel = single thread: ${name}`, async () => {
    const bytes = name.startsWith('invalid UTF-8') ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
    let want: unknown;
    try {
      want = shape(parseCsv(bytes, { file: 'data.csv' }));
    } catch (e) {
      want = { error: (e as Error).message };
    }
    for (const chunks of [2, 3, 5, 8]) {
      let got: unknown;
      try {
        got = shape(await parseCsvParallel(bytes, { file: 'data.csv', chunks, minBytes: 0 }));
      } catch (e) {
        got = { error: (e as Error).message };
      }
      assert.deepStrictEqual(got, want, `${chunks} chunks`);
    }
  });
}

test('errors keep the file and the line of the whole file', async () => {
  const text = 'a,b\n' + '1,2\n'.repeat(50) + '3\n' + '4,5\n'.repeat(50);
  await assert.rejects(parseCsvParallel(Buffer.from(text), { file: 'big.csv', chunks: 4, minBytes: 0 }), {
    message: /big\.csv:52\b.*expected 2 fields, found 1/,
  });
});

test('split points follow line feeds outside quotes', () => {
  const text = Buffer.from('h1,h2\n"a\nb\nc\nd",1\nx,2\ny,3\nz,4\n');
  const bounds = splitPoints(text, 6, 4);
  assert.equal(bounds[0], 6);
  assert.equal(bounds.at(-1), text.length);
  for (const b of bounds.slice(1, -1)) {
    assert.equal(text[b - 1], 10, `bound ${b} follows a line feed`);
    const quotes = [...text.subarray(6, b)].filter((x) => x === 34).length;
    assert.equal(quotes % 2, 0, `bound ${b} is outside quotes`);
  }
});

test('property: random CSV text parses the same on any number of chunks', async () => {
  const cell = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.constantFrom('', 'NA', 'null', 'x', 'y', 'é', ' 3 ', '1e5', '"q""uote"', '"a,b"', '"line\nbreak"', '"\r\n"', 'a"b'),
  );
  const csv = fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 30 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
    .chain(([cols, rows, eol, ragged]) =>
      fc.tuple(
        fc.array(fc.array(cell, { minLength: cols, maxLength: ragged ? cols + 1 : cols }), { minLength: rows, maxLength: rows }),
        fc.constant(cols),
        fc.constant(eol),
      ),
    )
    .map(([rows, cols, eol]) => [Array.from({ length: cols }, (_, j) => `c${j}`).join(','), ...rows.map((r) => r.join(','))].join(eol) + eol);
  await fc.assert(
    fc.asyncProperty(csv, fc.integer({ min: 2, max: 6 }), async (text, chunks) => {
      assert.deepStrictEqual(await parallel(text, chunks, { file: 'p.csv' }), single(text, { file: 'p.csv' }));
    }),
    { numRuns: 300 },
  );
});

test('readCsv on a file big enough to split gives the single-threaded table', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'big.csv');
    const lines = ['id,score,city,note'];
    const cities = ['Oslo', 'Zürich', 'Lima', 'Kyoto'];
    let size = 0;
    for (let i = 0; size < PARALLEL_MIN_BYTES + (1 << 20); i++) {
      const score = i % 97 === 0 ? '' : ((i * 7919) % 10007 / 13).toFixed(3);
      const note = i % 1000 === 0 ? `"multi\nline, ""quoted"" ${i}"` : `n${i % 50}`;
      const line = `${i},${score},${cities[i % 4]},${note}`;
      lines.push(line);
      size += line.length + 1;
    }
    lines.push('late,1.5,Oslo,x'); // id turns into text in the last chunk
    fs.writeFileSync(file, lines.join('\n') + '\n');
    assert.deepStrictEqual(shape(await readCsv(file)), shape(await readCsvSingleThread(file)));

    fs.appendFileSync(file, '1,2\n');
    const want = await readCsvSingleThread(file).catch((e: Error) => e.message);
    assert.match(String(want), /big\.csv:\d+.*expected 4 fields, found 2/);
    await assert.rejects(readCsv(file), { message: want as string });
  } finally {
    cleanup();
  }
});

test('worker threads start (also from the TypeScript sources), so big files really are split', async () => {
  assert.equal(await workersAvailable(), true);
});

/** readCsvHashed's outcome on a file: the table shape and hash, or the error message. */
async function hashedRead(file: string, chunks: number): Promise<unknown> {
  try {
    const { table, sha256 } = await readCsvHashed(file, { chunks, minBytes: 0 });
    return { table: shape(table), sha256 };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function oneRead(file: string): unknown {
  const bytes = fs.readFileSync(file);
  try {
    return { table: shape(parseCsv(bytes, { file })), sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

test('reading a file in parts (workers read their own) = one read: same table, same sha256, same errors', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [name, text] of tricky) {
      const file = path.join(dir, 'part.csv');
      fs.writeFileSync(file, name.startsWith('invalid UTF-8') ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8'));
      for (const chunks of [2, 3, 5]) assert.deepStrictEqual(await hashedRead(file, chunks), oneRead(file), `${name}, ${chunks} parts`);
    }
    await assert.rejects(readCsvHashed(path.join(dir, 'absent.csv'), { chunks: 2, minBytes: 0 }), /absent\.csv.*no such file/);
  } finally {
    cleanup();
  }
});

test('parts big enough to be shared while parsing (hashed meanwhile) read the same as one read, repeatedly', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'shared.csv');
    const lines = ['id,score,city'];
    let size = 0;
    // Two parts of more than SHARE_MIN_BYTES each, with a quoted line break near the middle.
    for (let i = 0; size < 2 * SHARE_MIN_BYTES + (4 << 20); i++) {
      const line = `${i},${i % 31 === 0 ? '' : (i % 1013) / 8},${i === 1_200_000 ? '"two\nlines"' : `c${i % 7}`}`;
      lines.push(line);
      size += line.length + 1;
    }
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const want = oneRead(file);
    // Twice: the worker that shared its part is replaced, and the next read uses the new one.
    for (let r = 0; r < 2; r++) assert.deepStrictEqual(await hashedRead(file, 2), want, `read ${r + 1}`);
    assert.equal(await workersAvailable(), true);
  } finally {
    cleanup();
  }
});

test('property: random CSV files read in parts equal one read', async () => {
  const { dir, cleanup } = tempDir();
  const cell = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.constantFrom('', 'NA', 'x', 'é', '"q""uote"', '"a,b"', '"line\nbreak"', 'a"b'),
  );
  const csv = fc
    .tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 40 }))
    .chain(([cols, rows]) => fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }))
    .map((rows) => [rows[0]?.map((_, j) => `c${j}`).join(',') ?? 'a,b', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  try {
    const file = path.join(dir, 'random.csv');
    await fc.assert(
      fc.asyncProperty(csv, fc.integer({ min: 2, max: 5 }), async (text, chunks) => {
        fs.writeFileSync(file, text);
        assert.deepStrictEqual(await hashedRead(file, chunks), oneRead(file));
      }),
      { numRuns: 150 },
    );
  } finally {
    cleanup();
  }
});

test('bad cells read as missing: any number of chunks or parts gives the one-pass table and the same warnings', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const rows = Array.from({ length: 400 }, (_, i) => `${i},${i / 4},c${i % 5}`);
    rows[7] = '7,1e400,c2'; // in the first chunk
    rows[350] = 'oops,87.5,c0'; // late: a chunk on its own would see it alone
    rows[351] = '"quoted",87.75,c1';
    // A column whose text comes in a late chunk only: text there, numbers earlier.
    const texty = Array.from({ length: 400 }, (_, i) => `${i},${i < 370 ? i : `t${i}`}`);
    for (const [name, text] of [['bad.csv', 'a,b,c\n' + rows.join('\n') + '\n'], ['late.csv', 'a,b\n' + texty.join('\n') + '\n']]) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      const want: string[] = [];
      const wantShape = shape(parseCsv(Buffer.from(text), { file, onWarning: (w) => want.push(w.message) }));
      for (const chunks of [2, 3, 5]) {
        const got: string[] = [];
        const t = await parseCsvParallel(Buffer.from(text), { file, chunks, minBytes: 0, onWarning: (w) => got.push(w.message) });
        assert.deepStrictEqual([shape(t), got], [wantShape, want], `${name}, ${chunks} chunks`);
        const parts: string[] = [];
        const hashed = await readCsvHashed(file, { chunks, minBytes: 0, onWarning: (w) => parts.push(w.message) });
        assert.deepStrictEqual([shape(hashed.table), parts], [wantShape, want], `${name}, ${chunks} parts`);
      }
      if (name === 'bad.csv') {
        assert.equal(want.length, 2, want.join('\n'));
        assert.match(want[0], /column 'a': 2 cells .*bad\.csv:352 "oops".*bad\.csv:353 "quoted"/);
        assert.match(want[1], /column 'b': 1 cell .*bad\.csv:9 "1e400"/);
      } else {
        assert.deepEqual(want, []);
      }
    }
  } finally {
    cleanup();
  }
});

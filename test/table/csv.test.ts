import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import * as path from 'node:path';
import { DataError } from '../../runtime/errors';
import { formatCsv, parseCsv, readCsv, writeCsv } from '../../runtime/table/csv';
import { Table, categoryColumn, numberColumn } from '../../runtime/table/table';
import { tempDir } from './helpers';

function dataError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof DataError && message.test(e.message));
}

test('RFC 4180: quotes, doubled quotes, embedded commas and newlines, CRLF, BOM', () => {
  const text = '\ufeffid,text,score\r\n1,"a, b",0.5\r\n2,"say ""hi""",1\r\n3,"two\nlines",\r\n';
  const t = parseCsv(text);
  assert.deepEqual(t.names, ['id', 'text', 'score']);
  assert.equal(t.rowCount, 3);
  assert.deepEqual(t.toRows().map((r) => ({ ...r })), [
    { id: 1, text: 'a, b', score: 0.5 },
    { id: 2, text: 'say "hi"', score: 1 },
    { id: 3, text: 'two\nlines', score: null },
  ]);
  assert.equal(t.column('id').type, 'number');
  assert.equal(t.column('text').type, 'category');
});

test('type inference: numbers with exponents, signs and spaces; text makes a category', () => {
  const t = parseCsv('a,b,c\n1e5,x,1\n-0.5,2,2\n 3 ,3,+.25\n');
  assert.deepEqual([...t.numberColumn('a').values], [1e5, -0.5, 3]);
  assert.deepEqual([...t.numberColumn('c').values], [1, 2, 0.25]);
  const b = t.column('b');
  assert.equal(b.type, 'category');
  // Cells before the first text cell keep their exact text.
  assert.deepEqual(parseCsv('v\n1.50\n2\nabc\n').toRows().map((r) => r.v), ['1.50', '2', 'abc']);
  // Hex and Infinity are not decimal numbers.
  assert.equal(parseCsv('v\n0x1F\n').column('v').type, 'category');
  assert.equal(parseCsv('v\nInfinity\n').column('v').type, 'category');
});

test('numbers are bit-identical to Number(text), including long and extreme ones', () => {
  const texts = [
    '0.1', '0.30000000000000004', '123456789012345678', '9007199254740993', '-0', '-0.0', '1e-7',
    '2.2250738585072014e-308', '1.7976931348623157e308', '5e-324', '0.000001234', '1234567.891',
    '3.141592653589793238462643', '1E+22', '1e23', '.5', '7.', '00012', '-1.5e-3', '4.35', '1e-22',
  ];
  const t = parseCsv('x\n' + texts.join('\n') + '\n');
  const col = t.numberColumn('x');
  texts.forEach((s, i) => assert.ok(Object.is(col.values[i], Number(s)), `${s} -> ${col.values[i]}`));
  // Random doubles printed in full (what pandas and JS write) round-trip exactly.
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 10 ** ((seed % 20) - 10);
  const xs = Array.from({ length: 5000 }, rnd);
  const back = parseCsv('x\n' + xs.map(String).join('\n')).numberColumn('x').values;
  xs.forEach((x, i) => assert.ok(Object.is(back[i], x), `${x}`));
});

test('missing tokens: defaults, configurable, quoted text stays literal', () => {
  const t = parseCsv('a,b\n1,NA\nN/A,x\nNaN,null\nNone,""\n,"NA"\n');
  const a = t.numberColumn('a');
  assert.deepEqual([...a.missing!], [0, 1, 1, 1, 1]);
  assert.ok(Number.isNaN(a.values[1]));
  assert.deepEqual(t.toRows().map((r) => r.b), [null, 'x', null, null, 'NA']);
  const custom = parseCsv('a\n1\n?\nNA\n', { missing: ['?'] });
  assert.equal(custom.column('a').type, 'category');
  assert.deepEqual(custom.toRows().map((r) => r.a), ['1', null, 'NA']);
  const numeric = parseCsv('a\n1\n?\n3\n', { missing: ['?'] }).numberColumn('a');
  assert.deepEqual([...numeric.missing!], [0, 1, 0]);
});

test('delimiter option and blank lines', () => {
  const t = parseCsv('a;b\n1;x\n\n2;y\n', { delimiter: ';' });
  assert.deepEqual(t.toRows().map((r) => ({ ...r })), [
    { a: 1, b: 'x' },
    { a: 2, b: 'y' },
  ]);
  // In a one-column file a blank line is a missing cell.
  const one = parseCsv('v\n1\n\n3\n').numberColumn('v');
  assert.deepEqual([...one.missing!], [0, 1, 0]);
  assert.throws(() => parseCsv('a\n1\n', { delimiter: '""' }), DataError);
});

test('errors name the file and line', () => {
  dataError(() => parseCsv('a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n', { file: 'file.csv' }), /^file\.csv:3: expected 5 fields, found 4$/);
  dataError(() => parseCsv('a,b\n1,2\n1,2,3\n', { file: 'f.csv' }), /^f\.csv:3: expected 2 fields, found 3$/);
  dataError(() => parseCsv('a,b\n1,2\n"x\ny",2\n3,"open\n4,5\n', { file: 'q.csv' }), /^q\.csv:5: unterminated quoted field/);
  dataError(() => parseCsv('', { file: 'e.csv' }), /^e\.csv: empty file/);
  dataError(() => parseCsv('a,,c\n1,2,3\n', { file: 'h.csv' }), /^h\.csv:1: column 2 has an empty header name/);
  dataError(() => parseCsv('a,b,a\n1,2,3\n', { file: 'h.csv' }), /^h\.csv:1: duplicate column name 'a'/);
  const bad = Buffer.concat([Buffer.from('a,b\n1,x\n2,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
  dataError(() => parseCsv(bad, { file: 'u.csv' }), /^u\.csv:3: invalid UTF-8/);
  const badNumberCol = Buffer.concat([Buffer.from('a\n1\n'), Buffer.from([0xff]), Buffer.from('\n')]);
  dataError(() => parseCsv(badNumberCol, { file: 'u.csv' }), /^u\.csv:3: invalid UTF-8/);
});

test('valid UTF-8 text is decoded, and repeated values share one dictionary entry', () => {
  const t = parseCsv('city,n\nZürich,1\n東京,2\nZürich,3\n"Zürich",4\n');
  const c = t.column('city');
  assert.equal(c.type, 'category');
  if (c.type !== 'category') return;
  assert.deepEqual(c.dictionary, ['Zürich', '東京']);
  assert.deepEqual([...c.codes], [0, 1, 0, 0]);
});

test('formatCsv quotes what needs quoting and round-trips values exactly', () => {
  const t = new Table([
    numberColumn('x', [0.1 + 0.2, -0, null, 1e-300, 12345678901234567890]),
    categoryColumn('s', ['plain', 'a,b', 'say "hi"', 'line\nbreak', 'NA']),
    categoryColumn('t', [null, 'x', 'y', null, 'z']),
  ]);
  const text = formatCsv(t);
  assert.equal(text.split('\n')[0], 'x,s,t');
  assert.ok(text.includes('"a,b"') && text.includes('"say ""hi"""') && text.includes('"NA"'));
  const back = parseCsv(text);
  assert.deepEqual(back.toRows(), t.toRows());
  assert.ok(Object.is(back.numberColumn('x').values[1], -0));
  // A one-column table with missing values survives too.
  const one = new Table([numberColumn('v', [1, null, 3])]);
  assert.deepEqual(parseCsv(formatCsv(one)).toRows(), one.toRows());
});

test('readCsv and writeCsv use real files; a missing file is a DataError', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = path.join(dir, 'data.csv');
    const t = new Table([numberColumn('a', [1, 2]), categoryColumn('b', ['x', null])]);
    await writeCsv(t, f);
    assert.equal(fs.readFileSync(f, 'utf8'), 'a,b\n1,x\n2,\n');
    assert.deepEqual((await readCsv(f)).toRows(), t.toRows());
    await assert.rejects(readCsv(path.join(dir, 'nope.csv')), (e: unknown) => e instanceof DataError && /nope\.csv: no such file$/.test(e.message));
    fs.writeFileSync(f, 'a,b\n1\n');
    await assert.rejects(readCsv(f), (e: unknown) => e instanceof DataError && e.message === `${f}:2: expected 2 fields, found 1`);
  } finally {
    cleanup();
  }
});

test('a large generated file parses to the values it was generated from', () => {
  const n = 20000;
  const lines = ['i,x,cat,y'];
  for (let i = 0; i < n; i++) lines.push(`${i},${(i * 0.37 - 100).toFixed(3)},c${i % 7},${i % 11 === 0 ? '' : i / 3}`);
  const t = parseCsv(lines.join('\n'));
  assert.equal(t.rowCount, n);
  const x = t.numberColumn('x').values;
  const y = t.numberColumn('y');
  for (let i = 0; i < n; i += 997) {
    assert.equal(t.cell(i, 'i'), i);
    assert.equal(x[i], Number((i * 0.37 - 100).toFixed(3)));
    assert.equal(t.cell(i, 'cat'), `c${i % 7}`);
    assert.equal(t.cell(i, 'y'), i % 11 === 0 ? null : i / 3);
  }
  const cat = t.column('cat');
  assert.equal(cat.type === 'category' && cat.dictionary.length, 7);
});

test('property: plain decimals parse bit-identical to Number(text) (fast path and its edges)', () => {
  const digits = (min: number, max: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));
  // Up to 20 digits on either side of the point straddles the 15-digit fast path and 2^53.
  const decimal = fc
    .tuple(fc.constantFrom('', '-'), digits(0, 20), fc.boolean(), digits(0, 20))
    .filter(([, int, , frac]) => int.length + frac.length > 0)
    .map(([sign, int, dot, frac]) => `${sign}${int}${dot || int === '' ? '.' : ''}${dot || int === '' ? frac : ''}`);
  fc.assert(
    fc.property(fc.array(decimal, { minLength: 1, maxLength: 20 }), (cells) => {
      const t = parseCsv(`x,y\n${cells.map((c) => `${c},k`).join('\n')}\n`);
      const col = t.column('x');
      assert.equal(col.type, 'number', cells.join(' '));
      if (col.type !== 'number') return;
      cells.forEach((c, i) => assert.ok(Object.is(col.values[i], Number(c)), `${c}: ${col.values[i]} vs ${Number(c)}`));
    }),
    { numRuns: 500 },
  );
});

test('a few bad cells never turn a number column into a category: they become missing, with one warning per column', () => {
  const rows = Array.from({ length: 60 }, (_, i) => `${i},${i % 3 === 0 ? 'a' : 'b'}`);
  rows[4] = '1e400,a'; // overflows a double: must not become Infinity
  rows[9] = 'abc,b';
  rows[12] = 'n/a,b'; // missing markers are missing, not bad cells
  rows[13] = '?,b';
  rows[20] = 'NULL,a';
  const warnings: { message: string; column: string; count: number }[] = [];
  const t = parseCsv('x,k\n' + rows.join('\n') + '\n', { file: 'data.csv', onWarning: (w) => warnings.push(w) });
  const x = t.numberColumn('x');
  assert.equal(x.type, 'number');
  assert.deepEqual([4, 9, 12, 13, 20].map((r) => x.missing![r]), [1, 1, 1, 1, 1]);
  assert.ok(Array.from(x.values).every((v) => !Number.isFinite(v) ? Number.isNaN(v) : true), 'no Infinity');
  assert.equal(x.values[5], 5);
  assert.equal(t.column('k').type, 'category');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].column, 'x');
  assert.equal(warnings[0].count, 2);
  // Data rows start on line 2: row 4 is line 6, row 9 line 11.
  assert.match(warnings[0].message, /number column 'x': 2 cells are not numbers and were read as missing: data\.csv:6 "1e400" \(too large for a number\), data\.csv:11 "abc" \(not a number\)$/);
  // Quoted bad cells and cells past the fast path count the same way.
  const quoted = parseCsv('x\n' + Array.from({ length: 40 }, (_, i) => String(i)).join('\n') + '\n"oops"\n123456789012345678901234e999\n', { file: 'q.csv', onWarning: (w) => warnings.push(w) });
  assert.equal(quoted.column('x').type, 'number');
  assert.match(warnings[1].message, /2 cells .*q\.csv:42 "oops".*q\.csv:43 "123456789012345678901234e999" \(too large for a number\)/);
});

test('more text than the bad-cell rule allows (over 5 % of the cells, or over 1,000) still makes a category, keeping every cell', () => {
  const warnings: unknown[] = [];
  const onWarning = (w: unknown): number => warnings.push(w);
  // 18 numbers and 1 text cell: fewer than 19 numbers per bad cell.
  const few = Array.from({ length: 18 }, (_, i) => String(i + 0.5));
  const t = parseCsv('v\n' + [...few, 'x'].join('\n') + '\n', { onWarning });
  assert.equal(t.column('v').type, 'category');
  assert.deepEqual(t.toRows().map((r) => r.v), [...few, 'x']);
  // 19 numbers per bad cell is enough, wherever the bad cells are (first row included).
  const ok = parseCsv('v\nx\n' + Array.from({ length: 19 }, (_, i) => String(i)).join('\n') + '\n', { onWarning });
  assert.equal(ok.column('v').type, 'number');
  // 1,001 bad cells among 100,000 numbers: too many, whatever the share.
  const many = Array.from({ length: 101_001 }, (_, i) => (i % 100 === 50 && i < 100_100 ? `t${i}` : String(i)));
  const m = parseCsv('v\n' + many.join('\n') + '\n', { onWarning });
  assert.equal(m.column('v').type, 'category');
  assert.equal(m.cell(50, 'v'), 't50');
  assert.equal(m.cell(51, 'v'), '51');
  // A text column (every cell text) is a category at once, as before.
  assert.equal(parseCsv('a,b\nx,1\ny,2\n').column('a').type, 'category');
  assert.equal(warnings.length, 1);
});

// JSON tables: an array of records (`[{"a": 1, "b": "x"}, ...]`) or a column-oriented
// object (`{"a": [1, 2], "b": ["x", "y"]}`).
//
// Cell rules: numbers -> number column; strings -> category; booleans -> the categories
// 'true' / 'false'; null or an absent key -> missing. In a column of numbers, a string that
// spells "missing" (the CSV reader's DEFAULT_MISSING: 'NA', 'n/a', '?', ...) is missing too,
// and a few cells that are not numbers (another string, a boolean, 1e400 which JSON.parse
// turns into Infinity) are read as missing with a warning (the rule is in bad-cells.ts).
// Otherwise a column that mixes numbers with strings or booleans becomes a category and its
// numbers are stringified with String(x) (so 1.5 becomes '1.5'), because a category can hold
// any value as text while a number column cannot hold text. Nested objects and arrays are a
// DataError.
import * as fs from 'node:fs';
import { DataError } from '../errors';
import { writeFileAtomic } from '../fs/atomic';
import { DEFAULT_MISSING, fileError, type ReadNotes } from './csv';
import { BAD_CELLS_NAMED, badCellsWarning, staysNumeric, type BadCell } from './bad-cells';
import { Table, categoryColumn, cellOf, numberColumn, type Cell, type Column } from './table';

type Scalar = number | string | boolean | null;

export function parseJson(text: string | Uint8Array, opts: ReadNotes & { file?: string } = {}): Table {
  const file = opts.file;
  const warn = opts.onWarning ?? (() => {});
  const source = typeof text === 'string' ? text : decodeUtf8(text, file);
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (e) {
    throw new DataError(`invalid JSON: ${(e as Error).message}`, file, lineOfJsonError(source, e));
  }
  if (Array.isArray(data)) return fromRecords(data, file, warn);
  if (data !== null && typeof data === 'object') return fromColumns(data as Record<string, unknown>, file, warn);
  throw new DataError('expected an array of records or an object of column arrays', file);
}

export async function readJson(path: string, opts: ReadNotes = {}): Promise<Table> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
  return parseJson(bytes, { file: path, onWarning: opts.onWarning });
}

/** The table as a JSON array of records; missing cells are null. */
export function formatJson(table: Table): string {
  const rows: string[] = [];
  for (let r = 0; r < table.rowCount; r++) {
    const rec: Record<string, Cell> = {};
    for (const c of table.columns) rec[c.name] = cellOf(c, r);
    rows.push(JSON.stringify(rec));
  }
  return rows.length ? `[\n${rows.join(',\n')}\n]\n` : '[]\n';
}

export async function writeJson(table: Table, path: string): Promise<void> {
  await writeFileAtomic(path, formatJson(table));
}

type Warn = NonNullable<ReadNotes['onWarning']>;

function fromRecords(records: unknown[], file: string | undefined, warn: Warn): Table {
  const names: string[] = [];
  const seen = new Set<string>();
  records.forEach((rec, i) => {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new DataError(`record ${i} is ${describe(rec)}, expected an object`, file);
    }
    for (const k of Object.keys(rec)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  });
  const columns = names.map((name) =>
    buildColumn(
      name,
      records.map((rec, i) => scalar((rec as Record<string, unknown>)[name], () => `record ${i}, key '${name}'`, file)),
      (i) => `${file ? `${file}: ` : ''}record ${i}`,
      warn,
    ),
  );
  return new Table(columns, records.length);
}

function fromColumns(obj: Record<string, unknown>, file: string | undefined, warn: Warn): Table {
  const names = Object.keys(obj);
  let rows: number | undefined;
  const columns = names.map((name) => {
    const vals = obj[name];
    if (!Array.isArray(vals)) throw new DataError(`column '${name}' is ${describe(vals)}, expected an array`, file);
    if (rows !== undefined && vals.length !== rows) {
      throw new DataError(`column '${name}' has ${vals.length} values, expected ${rows} like the columns before it`, file);
    }
    rows = vals.length;
    return buildColumn(
      name,
      vals.map((v, i) => scalar(v, () => `column '${name}', index ${i}`, file)),
      (i) => `${file ? `${file}: ` : ''}index ${i}`,
      warn,
    );
  });
  return new Table(columns, rows ?? 0);
}

function scalar(v: unknown, where: () => string, file: string | undefined): Scalar {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  throw new DataError(`${where()}: nested ${describe(v)} is not supported (cells must be numbers, strings, booleans or null)`, file);
}

const MISSING_TEXT = new Set(DEFAULT_MISSING);

function buildColumn(name: string, vals: Scalar[], where: (i: number) => string, warn: Warn): Column {
  let numbers = 0;
  let bad = 0;
  for (const v of vals) {
    if (v === null) continue;
    if (typeof v === 'number' && Number.isFinite(v)) numbers++;
    else if (typeof v !== 'string' || !MISSING_TEXT.has(v.trim())) bad++;
  }
  if (numbers > 0 || bad === 0) {
    if (staysNumeric(numbers, bad)) {
      const first: BadCell[] = [];
      const out = vals.map((v, i) => {
        if (typeof v === 'number' && Number.isFinite(v)) return v;
        const isBad = v !== null && (typeof v !== 'string' || !MISSING_TEXT.has(v.trim()));
        // JSON.parse turns 1e400 into Infinity: the text is gone, the reason is not.
        const why = typeof v === 'number' ? 'too large for a number' : undefined;
        if (isBad && first.length < BAD_CELLS_NAMED) first.push({ where: where(i), text: String(v), why });
        return null;
      });
      if (bad > 0) warn(badCellsWarning({ column: name, count: bad, first }));
      return numberColumn(name, out);
    }
  }
  return categoryColumn(name, vals.map((v) => (v === null ? null : String(v))));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function decodeUtf8(bytes: Uint8Array, file: string | undefined): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError('invalid UTF-8 text', file);
  }
}

/** JSON.parse reports "... at position N"; turn N into a 1-based line when it does. */
function lineOfJsonError(text: string, e: unknown): number | undefined {
  const m = /position (\d+)/.exec((e as Error)?.message ?? '');
  if (!m) return undefined;
  const pos = Number(m[1]);
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

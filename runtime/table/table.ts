// The columnar table that flows between stages.
//
// Two column kinds cover tabular ML: numbers (Float64Array) and categories
// (dictionary-encoded: Int32Array codes into a string dictionary). Missing values are
// explicit: numbers carry NaN at a missing slot *and* a set bit in `missing`, categories
// carry code -1. A `missing` mask of null means "no value is missing", so complete
// columns cost nothing extra. Tables and columns are immutable by convention: a stage
// builds new columns instead of writing into its input, which is what lets the engine
// keep cheap snapshots for the debugger (restart a stage, step back).

export type ColumnType = 'number' | 'category';

export interface NumberColumn {
  readonly type: 'number';
  readonly name: string;
  readonly values: Float64Array;
  /** 1 where the value is missing; null when nothing is missing. */
  readonly missing: Uint8Array | null;
}

export interface CategoryColumn {
  readonly type: 'category';
  readonly name: string;
  /** Index into `dictionary`, or -1 where the value is missing. */
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

export type Column = NumberColumn | CategoryColumn;

/** A single cell as plain JS: number, string, or null for missing. */
export type Cell = number | string | null;

export class Table {
  readonly rowCount: number;
  readonly columns: readonly Column[];
  private readonly index: Map<string, number>;

  constructor(columns: readonly Column[], rowCount?: number) {
    const n = rowCount ?? (columns.length ? columnLength(columns[0]) : 0);
    const index = new Map<string, number>();
    columns.forEach((c, i) => {
      if (index.has(c.name)) throw new Error(`duplicate column name '${c.name}'`);
      if (columnLength(c) !== n) {
        throw new Error(`column '${c.name}' has ${columnLength(c)} rows, expected ${n}`);
      }
      index.set(c.name, i);
    });
    this.rowCount = n;
    this.columns = columns;
    this.index = index;
  }

  get columnCount(): number {
    return this.columns.length;
  }

  get names(): string[] {
    return this.columns.map((c) => c.name);
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  /** The column called `name`; throws a clear error listing the columns when absent. */
  column(name: string): Column {
    const i = this.index.get(name);
    if (i === undefined) {
      throw new Error(`no column '${name}' (columns: ${this.names.join(', ') || 'none'})`);
    }
    return this.columns[i];
  }

  numberColumn(name: string): NumberColumn {
    const c = this.column(name);
    if (c.type !== 'number') throw new Error(`column '${name}' is a category, expected numbers`);
    return c;
  }

  /** The cell at (row, column) as plain JS. O(1). */
  cell(row: number, name: string): Cell {
    return cellOf(this.column(name), row);
  }

  /** New table with only these columns, in this order. */
  select(names: readonly string[]): Table {
    return new Table(names.map((n) => this.column(n)), this.rowCount);
  }

  /** New table without these columns. */
  drop(names: readonly string[]): Table {
    const gone = new Set(names);
    return new Table(this.columns.filter((c) => !gone.has(c.name)), this.rowCount);
  }

  /** New table with `col` added, or replacing the column of the same name in place. */
  withColumn(col: Column): Table {
    const i = this.index.get(col.name);
    const cols = [...this.columns];
    if (i === undefined) cols.push(col);
    else cols[i] = col;
    return new Table(cols, this.rowCount);
  }

  /** New table of the rows at `rows` (in that order). */
  take(rows: ArrayLike<number>): Table {
    return new Table(this.columns.map((c) => takeColumn(c, rows)), rows.length);
  }

  /** New table of rows [start, end). Shares no buffers with this one. */
  slice(start: number, end: number): Table {
    const s = Math.max(0, Math.min(start, this.rowCount));
    const e = Math.max(s, Math.min(end, this.rowCount));
    const rows = new Int32Array(e - s);
    for (let i = 0; i < rows.length; i++) rows[i] = s + i;
    return this.take(rows);
  }

  private bytes = -1;

  /** Approximate in-memory size in bytes (buffers only), for monitoring. Computed once. */
  get byteSize(): number {
    if (this.bytes >= 0) return this.bytes;
    let b = 0;
    for (const c of this.columns) {
      if (c.type === 'number') b += c.values.byteLength + (c.missing?.byteLength ?? 0);
      else b += c.codes.byteLength + c.dictionary.reduce((s, d) => s + d.length * 2, 0);
    }
    return (this.bytes = b);
  }

  /** Rows as plain objects. O(rows × columns): for tests and small outputs only. */
  toRows(): Record<string, Cell>[] {
    const out: Record<string, Cell>[] = [];
    for (let r = 0; r < this.rowCount; r++) {
      const row: Record<string, Cell> = Object.create(null);
      for (const c of this.columns) row[c.name] = cellOf(c, r);
      out.push(row);
    }
    return out;
  }
}

export function columnLength(c: Column): number {
  return c.type === 'number' ? c.values.length : c.codes.length;
}

export function isMissing(c: Column, row: number): boolean {
  return c.type === 'number' ? (c.missing !== null && c.missing[row] === 1) : c.codes[row] < 0;
}

export function cellOf(c: Column, row: number): Cell {
  if (c.type === 'number') return c.missing !== null && c.missing[row] === 1 ? null : c.values[row];
  const code = c.codes[row];
  return code < 0 ? null : c.dictionary[code];
}

export function missingCount(c: Column): number {
  let n = 0;
  if (c.type === 'number') {
    return c.missing === null ? 0 : countMask(c.missing);
  } else {
    for (let i = 0; i < c.codes.length; i++) if (c.codes[i] < 0) n++;
  }
  return n;
}

/**
 * What the code that wrote a column counted in the same pass: missing slots, and numbers that
 * are NaN or ±Infinity without being marked missing. The engine's data checks read these
 * instead of scanning the column again. Kept beside the column object (never copied by a
 * spread or a rename), so a column someone else builds from its buffers is scanned as usual.
 */
export interface ColumnCounts {
  readonly missing: number;
  readonly nonFinite: number;
}

const countsByColumn = new WeakMap<Column, ColumnCounts>();

/** Records the counts its writer made for `col` (which must not change afterwards); returns `col`. */
export function withCounts<C extends Column>(col: C, counts: ColumnCounts): C {
  countsByColumn.set(col, counts);
  return col;
}

/** The counts recorded by the column's writer, or undefined when nobody counted. */
export function knownCounts(col: Column): ColumnCounts | undefined {
  return countsByColumn.get(col);
}

/**
 * The number of 1s in a 0/1 mask, four bytes at a time (4x fewer steps than byte by byte):
 * each word adds its bytes' low bits into four byte-wide lanes, folded before any can overflow.
 */
export function countMask(mask: Uint8Array): number {
  const len = mask.length;
  let n = 0;
  let i = 0;
  while (i < len && ((mask.byteOffset + i) & 3) !== 0) n += mask[i++] & 1;
  const words = new Uint32Array(mask.buffer, mask.byteOffset + i, (len - i) >> 2);
  for (let w = 0; w < words.length; ) {
    const stop = Math.min(words.length, w + 255);
    let lanes = 0;
    for (; w < stop; w++) lanes += words[w] & 0x01010101;
    n += (lanes & 0xff) + ((lanes >>> 8) & 0xff) + ((lanes >>> 16) & 0xff) + (lanes >>> 24);
  }
  for (i += words.length * 4; i < len; i++) n += mask[i] & 1;
  return n;
}

/** A number column from values; NaN entries become missing. */
export function numberColumn(name: string, values: Float64Array | readonly (number | null)[]): NumberColumn {
  const v = values instanceof Float64Array ? values : Float64Array.from(values, (x) => (x === null ? NaN : x));
  let missing: Uint8Array | null = null;
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v[i])) {
      missing ??= new Uint8Array(v.length);
      missing[i] = 1;
    }
  }
  return { type: 'number', name, values: v, missing };
}

/** A category column from strings; null or undefined entries become missing. */
export function categoryColumn(name: string, values: readonly (string | null | undefined)[]): CategoryColumn {
  const dict: string[] = [];
  const lookup = new Map<string, number>();
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = values[i];
    if (s === null || s === undefined) {
      codes[i] = -1;
      continue;
    }
    let code = lookup.get(s);
    if (code === undefined) {
      code = dict.length;
      dict.push(s);
      lookup.set(s, code);
    }
    codes[i] = code;
  }
  return { type: 'category', name, codes, dictionary: dict };
}

/** Build a table from plain row objects (tests, small JSON). Numbers stay numbers. */
export function tableFromRows(rows: readonly Record<string, Cell | undefined>[], names?: readonly string[]): Table {
  const cols = names ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return new Table(
    cols.map((name) => {
      const vals = rows.map((r) => r[name] ?? null);
      const numeric = vals.every((v) => v === null || typeof v === 'number');
      return numeric
        ? numberColumn(name, vals as (number | null)[])
        : categoryColumn(name, vals.map((v) => (v === null ? null : String(v))));
    }),
    rows.length,
  );
}

function takeColumn(c: Column, rows: ArrayLike<number>): Column {
  const n = rows.length;
  if (c.type === 'number') {
    const values = new Float64Array(n);
    let missing: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      values[i] = c.values[r];
      if (c.missing !== null && c.missing[r] === 1) {
        missing ??= new Uint8Array(n);
        missing[i] = 1;
      }
    }
    return { type: 'number', name: c.name, values, missing };
  }
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = c.codes[rows[i]];
  return { type: 'category', name: c.name, codes, dictionary: c.dictionary };
}

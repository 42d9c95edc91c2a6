// Arrow IPC (file format, `.arrow`) in and out, via the apache-arrow package.
// Out: number -> Float64 (null where missing), category -> Dictionary<Utf8, Int32>.
// In: also any Int / Float (-> number), Utf8 / LargeUtf8 / Bool (-> category) and
// all-null columns (-> all-missing numbers). Other Arrow types are a DataError naming the column.
import * as fs from 'node:fs';
import {
  DataType,
  Dictionary,
  Float64,
  Int32,
  Table as ArrowTable,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { DataError } from '../errors';
import { writeFileAtomic } from '../fs/atomic';
import { fileError } from './csv';
import { Table, categoryColumn, type Column } from './table';

export function tableToArrowIPC(table: Table): Uint8Array {
  const vectors: Record<string, Vector> = {};
  for (const c of table.columns) vectors[c.name] = toArrowVector(c);
  return tableToIPC(new ArrowTable(vectors), 'file');
}

export function tableFromArrowIPC(bytes: Uint8Array, opts: { file?: string } = {}): Table {
  if (!looksLikeArrow(bytes)) {
    throw new DataError('not an Arrow IPC file (no ARROW1 magic or stream header)', opts.file);
  }
  let at: ArrowTable;
  try {
    at = tableFromIPC(bytes);
  } catch (e) {
    throw new DataError(`not a readable Arrow IPC file (${(e as Error).message})`, opts.file);
  }
  const columns = at.schema.fields.map((field, i) => fromArrowVector(field.name, at.getChildAt(i)!, opts.file));
  return new Table(columns, at.numRows);
}

/** The IPC file format starts with "ARROW1"; the stream format with a 0xFFFFFFFF continuation marker. */
function looksLikeArrow(b: Uint8Array): boolean {
  const magic = [65, 82, 82, 79, 87, 49];
  if (b.length >= 6 && magic.every((m, i) => b[i] === m)) return true;
  return b.length >= 8 && b[0] === 0xff && b[1] === 0xff && b[2] === 0xff && b[3] === 0xff;
}

export async function readArrow(path: string): Promise<Table> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
  return tableFromArrowIPC(bytes, { file: path });
}

export async function writeArrow(table: Table, path: string): Promise<void> {
  await writeFileAtomic(path, tableToArrowIPC(table));
}

/** Arrow validity bitmap (bit set = present, least significant bit first), or undefined when nothing is missing. */
function validityBitmap(n: number, isMissing: (i: number) => boolean): { bitmap?: Uint8Array; nulls: number } {
  let bitmap: Uint8Array | undefined;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (isMissing(i)) {
      if (!bitmap) bitmap = new Uint8Array((n + 7) >> 3).fill(0xff);
      bitmap[i >> 3] &= ~(1 << (i & 7));
      nulls++;
    }
  }
  return { bitmap, nulls };
}

function toArrowVector(c: Column): Vector {
  if (c.type === 'number') {
    const mask = c.missing;
    const { bitmap, nulls } = mask ? validityBitmap(c.values.length, (i) => mask[i] === 1) : { nulls: 0 };
    return makeVector(
      makeData({ type: new Float64(), length: c.values.length, nullCount: nulls, nullBitmap: bitmap, data: c.values }),
    );
  }
  const codes = c.codes;
  const { bitmap, nulls } = validityBitmap(codes.length, (i) => codes[i] < 0);
  // Index slots under a null are unspecified in Arrow; 0 keeps them in range for lax readers.
  const indices = nulls ? codes.map((k) => (k < 0 ? 0 : k)) : codes;
  return makeVector(
    makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      length: codes.length,
      nullCount: nulls,
      nullBitmap: bitmap,
      data: indices,
      dictionary: vectorFromArray([...c.dictionary], new Utf8()),
    }),
  );
}

function fromArrowVector(name: string, vec: Vector, file: string | undefined): Column {
  const type = vec.type as DataType;
  const n = vec.length;
  if (DataType.isFloat(type) || DataType.isInt(type) || DataType.isNull(type)) {
    const values = new Float64Array(n);
    let missing: Uint8Array | null = null;
    let i = 0;
    for (const v of vec as Iterable<unknown>) {
      if (v === null || v === undefined) {
        values[i] = NaN;
        (missing ??= new Uint8Array(n))[i] = 1;
      } else {
        values[i] = Number(v as number | bigint);
        // A NaN stored as a value (not a null) still means missing in our tables.
        if (Number.isNaN(values[i])) (missing ??= new Uint8Array(n))[i] = 1;
      }
      i++;
    }
    return { type: 'number', name, values, missing };
  }
  const stringy =
    DataType.isUtf8(type) ||
    DataType.isLargeUtf8(type) ||
    DataType.isBool(type) ||
    (DataType.isDictionary(type) && (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary)));
  if (stringy) {
    const vals: (string | null)[] = new Array(n);
    let i = 0;
    for (const v of vec as Iterable<unknown>) vals[i++] = v === null || v === undefined ? null : String(v);
    return categoryColumn(name, vals);
  }
  throw new DataError(`column '${name}' has Arrow type ${String(type)}, which Plumb cannot read (numbers, text and booleans only)`, file);
}

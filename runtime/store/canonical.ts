// Canonical JSON: the same value always gives the same bytes (keys sorted, no spaces), so
// an unchanged artifact hashes to the same object id and costs nothing to save again.

import { StoreError } from '../errors';

/**
 * Serializes plain JSON data canonically. Follows JSON.stringify where JSON has no
 * answer (NaN and ±Infinity become null, undefined object members are dropped, toJSON is
 * honoured), but throws on cycles and on values JSON cannot hold at all (bigint).
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, { seen: new Set() }, '$');
  return parts.join('');
}

/**
 * Collects long arrays of finite numbers instead of writing them (see binary.ts): each
 * becomes `{"$plumb:f64":k,"length":n}` in the text, k its index in `arrays`.
 */
export interface NumberArraySink {
  minLength: number;
  /** number[] or Float64Array, as found in the value. */
  arrays: Array<number[] | Float64Array>;
  /** Some array holds -0, which JSON writes as 0: the binary copy must do the same. */
  negativeZero: boolean[];
  /** An object of the value itself has the reserved key, so references would be ambiguous. */
  reservedKeySeen: boolean;
  /**
   * Take a long array whose first item is a number without reading the rest: the caller
   * checks every item while it converts them (binary.ts), which saves a whole pass over
   * 100 MB of weights, and starts again with this off if one is not a finite number.
   */
  checkLater?: boolean;
}

export const F64_REF_KEY = '$plumb:f64';

/** Canonical JSON with long finite-number arrays replaced by references collected in `sink`. */
export function canonicalJsonWithArrays(value: unknown, sink: NumberArraySink): string {
  const parts: string[] = [];
  write(value, parts, { seen: new Set(), sink }, '$');
  return parts.join('');
}

interface WriteContext {
  seen: Set<object>;
  sink?: NumberArraySink;
}

function write(value: unknown, out: string[], ctx: WriteContext, where: string): void {
  const { seen, sink } = ctx;
  // Before toJSON: a loaded model's weights are Float64Arrays (binary.ts), and must give
  // exactly the bytes of the number[] they were saved from, without copying them.
  if (value instanceof Float64Array) {
    writeFloat64Array(value, out, sink);
    return;
  }
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      out.push(Number.isFinite(value) ? JSON.stringify(value) : 'null');
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'bigint':
      throw new StoreError(`cannot store ${where}: bigint is not JSON (convert it to a number or string)`, 'io');
    case 'undefined':
    case 'function':
    case 'symbol':
      out.push('null'); // only reached for array items and the top level, as in JSON.stringify
      return;
  }
  if (value === null) {
    out.push('null');
    return;
  }
  const obj = value as object;
  if (seen.has(obj)) throw new StoreError(`cannot store ${where}: it refers to itself`, 'io');
  seen.add(obj);
  const isArray = Array.isArray(obj);
  const kind = isArray && sink?.checkLater && obj.length >= sink.minLength && typeof obj[0] === 'number' ? CHECK_LATER : isArray ? numberArrayKind(obj) : NOT_NUMBERS;
  if (sink && kind !== NOT_NUMBERS && kind !== WITH_NON_FINITE && (obj as number[]).length >= sink.minLength) {
    // Written as raw float64 by the caller; only finite numbers, so the data is exactly
    // what JSON would give back (non-finite numbers would read back as null from JSON).
    out.push(`{"${F64_REF_KEY}":${sink.arrays.length},"length":${(obj as number[]).length}}`);
    sink.arrays.push(obj as number[]);
    sink.negativeZero.push(kind === FINITE_WITH_NEGATIVE_ZERO || kind === CHECK_LATER);
  } else if (kind !== NOT_NUMBERS) {
    // Model weights: millions of numbers. JSON.stringify writes a dense number array exactly
    // as the general path below would (non-finite -> null), at a fraction of the cost.
    out.push(JSON.stringify(obj));
  } else if (Array.isArray(obj)) {
    out.push('[');
    // A plain loop, not forEach: forEach skips holes, which must be written as null.
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out.push(',');
      write(obj[i], out, ctx, `${where}[${i}]`);
    }
    out.push(']');
  } else if (ArrayBuffer.isView(obj)) {
    throw new StoreError(`cannot store ${where}: typed arrays other than Float64Array are not JSON (use a plain array)`, 'io');
  } else {
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out.push('{');
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      if (!first) out.push(',');
      first = false;
      if (sink && key === F64_REF_KEY) sink.reservedKeySeen = true;
      out.push(JSON.stringify(key), ':');
      write(item, out, ctx, `${where}.${key}`);
    }
    out.push('}');
  }
  seen.delete(obj);
}

/** A Float64Array written as the number[] with the same values would be. */
function writeFloat64Array(a: Float64Array, out: string[], sink: NumberArraySink | undefined): void {
  const kind = scanFloat64(a);
  if (sink && kind !== WITH_NON_FINITE && a.length >= sink.minLength) {
    out.push(`{"${F64_REF_KEY}":${sink.arrays.length},"length":${a.length}}`);
    sink.arrays.push(a);
    sink.negativeZero.push(kind === FINITE_WITH_NEGATIVE_ZERO);
  } else {
    out.push(JSON.stringify(Array.from(a))); // non-finite -> null, -0 -> 0, as for number[]
  }
}

/** JSON.parse only: loading a store file never runs code. Bad JSON → 'corrupt' naming the file. */
export function parseJsonFile(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StoreError(`${what} ${file} is damaged: not valid JSON (${(e as Error).message})`, 'corrupt', file);
  }
}

const NOT_NUMBERS = 0;
const WITH_NON_FINITE = 1;
const FINITE = 2;
const FINITE_WITH_NEGATIVE_ZERO = 3;
/** Only the first item was looked at (see NumberArraySink.checkLater). */
const CHECK_LATER = 4;

/**
 * Whether every slot holds a number (a hole reads as undefined, so holey arrays take the
 * general path), and if so whether all are finite and whether any is -0. One pass.
 * Long arrays get their own copy of the loop: its element loads then only ever see
 * number arrays and stay fast (sharing one loop with short arrays of strings and objects
 * made the scan of a 100 MB model ~6× slower).
 */
function numberArrayKind(a: unknown[]): number {
  if (a.length > 0 && typeof a[0] !== 'number') return NOT_NUMBERS;
  return a.length >= 1024 ? scanLong(a) : scanShort(a);
}

function scanShort(a: unknown[]): number {
  let kind = FINITE;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number') return NOT_NUMBERS;
    if (v - v !== 0) kind = WITH_NON_FINITE; // NaN and ±Infinity
    else if (v === 0 && 1 / v < 0 && kind === FINITE) kind = FINITE_WITH_NEGATIVE_ZERO;
  }
  return kind;
}

function scanLong(a: unknown[]): number {
  let kind = FINITE;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number') return NOT_NUMBERS;
    if (v - v !== 0) kind = WITH_NON_FINITE;
    else if (v === 0 && 1 / v < 0 && kind === FINITE) kind = FINITE_WITH_NEGATIVE_ZERO;
  }
  return kind;
}

function scanFloat64(a: Float64Array): number {
  let kind = FINITE;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v - v !== 0) return WITH_NON_FINITE;
    if (v === 0 && 1 / v < 0) kind = FINITE_WITH_NEGATIVE_ZERO;
  }
  return kind;
}

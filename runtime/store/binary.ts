// Artifact objects: canonical JSON, or — when the value holds long arrays of finite
// numbers (model weights) — one self-contained binary object that keeps those arrays as
// raw little-endian float64 instead of text. 8 bytes a number instead of ~19, and no
// number formatting or parsing, which is what made 100 MB models slow to save and load.
//
// Layout of a binary artifact (every offset little-endian):
//   0   8 bytes   magic "\0PLUMBF1" (JSON text never starts with a NUL byte)
//   8   u32       H, byte length of the header
//   12  H bytes   header, canonical JSON: {"arrays":[n0,n1,…],"value":<the value>} where
//                 array k is written in the value as {"$plumb:f64":k,"length":nk}
//   …   0–7 zero bytes, so the data starts at a multiple of 8
//   …   data      array 0's nk float64, then array 1's, … and nothing after
// It is one object, named by the sha256 of all its bytes like any other, so hashing,
// re-save dedupe, gc and verify need nothing new. Decoding uses JSON.parse plus reading
// numbers; it checks the header, every reference, and that the byte length is exact.
//
// Loaded float64 arrays are Float64Array views over the object's bytes (one copy when
// the data is not 8-aligned): turning 12.5M doubles into a number[] used to take half of
// the load. They serialize as plain JSON arrays (see StoredFloat64Array) and hash the same
// as the number[] they were saved from, so a re-save of a loaded model still adds 0 bytes.

import { StoreError } from '../errors';
import { canonicalJson, canonicalJsonWithArrays, F64_REF_KEY, type NumberArraySink } from './canonical';

/** Number arrays at least this long are stored as float64; shorter ones stay JSON text. */
export const MIN_BINARY_ARRAY_LENGTH = 4096;

const MAGIC = Buffer.from('\0PLUMBF1', 'latin1');
const HEADER_AT = MAGIC.length + 4;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/**
 * The Float64Array that loaded artifacts hold: a plain Float64Array except that
 * JSON.stringify writes it as a JSON array (`[1.5,2]`, not `{"0":1.5,"1":2}`), so every
 * JSON view of an artifact (CLI, version documents) reads as it did with number[].
 * The class is named Float64Array so debuggers and error messages show the familiar name.
 */
export const StoredFloat64Array = class Float64Array extends globalThis.Float64Array {
  toJSON(): number[] {
    return Array.from(this);
  }
};

/** An array of numbers as the store takes it: plain, or float64 (as loaded). */
export type NumberArray = number[] | Float64Array;

/** A binary artifact not yet written out: its header, and the arrays whose numbers follow. */
export interface BinaryPlan {
  /** Magic, header length, header and padding: everything before the numbers. */
  head: Buffer;
  arrays: NumberArray[];
  negativeZero: boolean[];
  /** The number[] arrays are checked item by item while they are written (see planArtifact). */
  checkItems: boolean;
  byteLength: number;
}

/**
 * Thrown while writing a plan made with checking left for later, when an item of a long
 * array turns out not to be a finite number: plan again with `{ exact: true }`.
 */
export class PlanAgain extends Error {
  constructor() {
    super('a long array holds something other than finite numbers: plan the artifact again, exactly');
  }
}

/**
 * Decides how a value is stored: the bytes of its canonical JSON, or a plan for the binary
 * layout above (which `planChunks` turns into bytes without building one big buffer).
 */
export function planArtifact(value: unknown, options: { exact?: boolean } = {}): Buffer | BinaryPlan {
  // Unless exact, long number[] arrays are taken on their first item and checked while
  // their numbers are written (one pass over them instead of two): writing the plan then
  // throws PlanAgain if one holds anything else (a string, a hole, NaN, ±Infinity).
  const checkLater = !options.exact;
  const sink: NumberArraySink = { minLength: MIN_BINARY_ARRAY_LENGTH, arrays: [], negativeZero: [], reservedKeySeen: false, checkLater };
  const text = canonicalJsonWithArrays(value, sink);
  // A value that itself uses the reference key would be ambiguous: keep it all JSON.
  if (sink.arrays.length === 0 || sink.reservedKeySeen) {
    return Buffer.from(sink.arrays.length === 0 ? text : canonicalJson(value), 'utf8');
  }
  const header = `{"arrays":[${sink.arrays.map((a) => a.length).join(',')}],"value":${text}}`;
  const headerBytes = Buffer.byteLength(header, 'utf8');
  const head = Buffer.alloc(align8(HEADER_AT + headerBytes)); // zeroed: the padding is 0
  MAGIC.copy(head, 0);
  head.writeUInt32LE(headerBytes, MAGIC.length);
  head.write(header, HEADER_AT, 'utf8');
  let byteLength = head.byteLength;
  for (const a of sink.arrays) byteLength += 8 * a.length;
  return { head, arrays: sink.arrays, negativeZero: sink.negativeZero, checkItems: checkLater, byteLength };
}

/** The bytes of an artifact object in one buffer: canonical JSON, or the binary layout above. */
export function encodeArtifact(value: unknown): Buffer {
  try {
    return encodePlan(planArtifact(value));
  } catch (e) {
    if (e instanceof PlanAgain) return encodePlan(planArtifact(value, { exact: true }));
    throw e;
  }
}

function encodePlan(plan: Buffer | BinaryPlan): Buffer {
  if (Buffer.isBuffer(plan)) return plan;
  const out = Buffer.allocUnsafeSlow(plan.byteLength); // own ArrayBuffer: aligned float64 views
  let at = plan.head.copy(out, 0);
  plan.arrays.forEach((a, k) => {
    writeFloats(out, at, a, 0, a.length, plan.negativeZero[k], plan.checkItems);
    at += 8 * a.length;
  });
  return out;
}

export const CHUNK_BYTES = 4 * 1024 * 1024;
/** A Float64Array at least this big is written from its own bytes (smaller ones are batched). */
const OWN_BYTES_MIN = 256 * 1024;

/**
 * The bytes of a binary plan as a few chunks: the head, then the numbers through two
 * reused CHUNK_BYTES buffers. A chunk must be consumed (hashed, written) before the one
 * two later is asked for. Filling fresh memory is what costs here (a 100 MB buffer's page
 * faults took as long as its write on the dev VM), so the numbers never get one of their own.
 * A Float64Array that needs no -0 fix (a loaded model being saved again) is not copied at
 * all: its own bytes are handed out, in chunkBytes slices.
 */
export function* planChunks(plan: BinaryPlan, chunkBytes = CHUNK_BYTES): Generator<Uint8Array> {
  yield plan.head;
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)];
  let turn = 0;
  let buf = buffers[0];
  let used = 0;
  for (let k = 0; k < plan.arrays.length; k++) {
    const a = plan.arrays[k];
    if (LITTLE_ENDIAN_HOST && a instanceof globalThis.Float64Array && !plan.negativeZero[k] && a.byteLength >= Math.min(chunkBytes, OWN_BYTES_MIN)) {
      if (used > 0) {
        yield buf.subarray(0, used);
        buf = buffers[(turn = 1 - turn)];
        used = 0;
      }
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      for (let at = 0; at < bytes.byteLength; at += chunkBytes) yield bytes.subarray(at, Math.min(bytes.byteLength, at + chunkBytes));
      continue;
    }
    for (let from = 0; from < a.length; ) {
      const n = Math.min(a.length - from, (chunkBytes - used) / 8);
      writeFloats(buf, used, a, from, n, plan.negativeZero[k], plan.checkItems);
      used += 8 * n;
      from += n;
      if (used === chunkBytes) {
        yield buf;
        buf = buffers[(turn = 1 - turn)];
        used = 0;
      }
    }
  }
  if (used > 0) yield buf.subarray(0, used);
}

/** Whether these object bytes use the binary layout (else they are JSON text). */
export function isBinaryArtifact(bytes: Uint8Array): boolean {
  if (bytes.byteLength < HEADER_AT) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return false;
  return true;
}

/**
 * The value of an artifact object (already hash-verified by the object store). JSON-shaped
 * data, except that float64 arrays come back as StoredFloat64Array views of `bytes` (so the
 * caller must not reuse `bytes`). Damage → 'corrupt' naming `file`.
 */
export function decodeArtifact(bytes: Uint8Array, id: string, file: string): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isBinaryArtifact(buf)) {
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch (e) {
      throw new StoreError(`object ${id} is not JSON (${(e as Error).message}); file ${file}`, 'corrupt', file);
    }
  }
  const bad = (why: string): never => {
    throw new StoreError(`object ${id} is a damaged binary artifact: ${why}; file ${file}`, 'corrupt', file);
  };
  const headerBytes = buf.readUInt32LE(MAGIC.length);
  if (HEADER_AT + headerBytes > buf.byteLength) bad(`its header claims ${headerBytes} bytes but the object has ${buf.byteLength}`);
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', HEADER_AT, HEADER_AT + headerBytes));
  } catch (e) {
    bad(`the header is not JSON (${(e as Error).message})`);
  }
  const h = header as { arrays?: unknown; value?: unknown } | null;
  if (h === null || typeof h !== 'object' || !Array.isArray(h.arrays) || !('value' in h)) bad('the header lacks "arrays" or "value"');
  const lengths = h!.arrays as unknown[];
  const offsets: number[] = [];
  let at = align8(HEADER_AT + headerBytes);
  for (const n of lengths) {
    if (!Number.isSafeInteger(n) || (n as number) < 0) bad(`array length ${JSON.stringify(n)} is not a count`);
    offsets.push(at);
    at += 8 * (n as number);
  }
  if (at !== buf.byteLength) bad(`the arrays need ${at} bytes in all but the object has ${buf.byteLength}`);

  const used = new Array<boolean>(lengths.length).fill(false);
  const resolveRef = (ref: Record<string, unknown>): Float64Array => {
    const k = ref[F64_REF_KEY];
    const keys = Object.keys(ref);
    if (keys.length !== 2 || !('length' in ref)) bad(`a reference has keys ${JSON.stringify(keys)}`);
    if (!Number.isSafeInteger(k) || (k as number) < 0 || (k as number) >= lengths.length) bad(`a reference names array ${JSON.stringify(k)}, which does not exist`);
    const index = k as number;
    if (used[index]) bad(`array ${index} is referenced twice`);
    if (ref.length !== lengths[index]) bad(`array ${index} has ${String(lengths[index])} numbers but its reference says ${JSON.stringify(ref.length)}`);
    used[index] = true;
    return readFloats(buf, offsets[index], lengths[index] as number);
  };
  let value: unknown;
  try {
    value = replaceRefs(h!.value, resolveRef);
  } catch (e) {
    if (e instanceof StoreError) throw e;
    bad((e as Error).message); // e.g. nesting too deep for the stack
  }
  const unused = used.indexOf(false);
  if (unused >= 0) bad(`array ${unused} is never referenced`);
  return value;
}

/** Walks parsed JSON and swaps every reference object for its numbers, in place. */
function replaceRefs(node: unknown, resolveRef: (ref: Record<string, unknown>) => Float64Array): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = replaceRefs(node[i], resolveRef);
    return node;
  }
  const record = node as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(record, F64_REF_KEY)) return resolveRef(record);
  // Own keys only (JSON.parse makes "__proto__" an own data property, so assigning it
  // writes that property and never the prototype).
  for (const key of Object.keys(record)) record[key] = replaceRefs(record[key], resolveRef);
  return record;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Writes a[from, from + n) as float64 at `at` (a multiple of 8 in a buffer from
 * allocUnsafeSlow). With `checkItems`, a number[] is checked item by item as it is
 * copied (PlanAgain on anything but a finite number) and -0 is written as 0.
 */
function writeFloats(out: Buffer, at: number, a: NumberArray, from: number, n: number, normalizeNegativeZero: boolean, checkItems: boolean): void {
  if (!LITTLE_ENDIAN_HOST) {
    for (let i = 0; i < n; i++) {
      const v = a[from + i];
      if (checkItems && (typeof v !== 'number' || v - v !== 0)) throw new PlanAgain();
      out.writeDoubleLE(v + 0, at + 8 * i); // +0 turns -0 into 0
    }
    return;
  }
  const view = new globalThis.Float64Array(out.buffer, out.byteOffset + at, n);
  if (checkItems && !(a instanceof globalThis.Float64Array)) {
    if (!copyFiniteNumbers(view, a, from, n)) throw new PlanAgain();
    return;
  }
  // Native copies; every slot was checked finite.
  if (from === 0 && n === a.length) view.set(a);
  else if (a instanceof globalThis.Float64Array) view.set(a.subarray(from, from + n));
  else for (let i = 0; i < n; i++) view[i] = a[from + i];
  if (normalizeNegativeZero) for (let i = 0; i < n; i++) if (view[i] === 0) view[i] = 0;
}

/**
 * view[i] = a[from + i] + 0 (which turns -0 into 0), as long as each is a finite number;
 * false at the first that is not (a hole reads as undefined). The one pass over a model's
 * number[] weights when it is saved.
 */
function copyFiniteNumbers(view: Float64Array, a: number[], from: number, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const v = a[from + i];
    if (typeof v !== 'number' || v - v !== 0) return false;
    view[i] = v + 0;
  }
  return true;
}

/** n float64 at `at`: a view of `buf` when aligned, else one copy. */
function readFloats(buf: Buffer, at: number, n: number): Float64Array {
  if (!LITTLE_ENDIAN_HOST) {
    const out = new StoredFloat64Array(n);
    for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(at + 8 * i);
    return out;
  }
  const memory = buf.buffer as ArrayBuffer; // Node buffers are never shared memory
  if ((buf.byteOffset + at) % 8 === 0) return new StoredFloat64Array(memory, buf.byteOffset + at, n);
  return new StoredFloat64Array(memory.slice(buf.byteOffset + at, buf.byteOffset + at + 8 * n)); // unaligned: one copy
}

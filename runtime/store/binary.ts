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

import { StoreError } from '../errors';
import { canonicalJson, canonicalJsonWithArrays, F64_REF_KEY, type NumberArraySink } from './canonical';

/** Number arrays at least this long are stored as float64; shorter ones stay JSON text. */
export const MIN_BINARY_ARRAY_LENGTH = 4096;

const MAGIC = Buffer.from('\0PLUMBF1', 'latin1');
const HEADER_AT = MAGIC.length + 4;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** A binary artifact not yet written out: its header, and the arrays whose numbers follow. */
export interface BinaryPlan {
  /** Magic, header length, header and padding: everything before the numbers. */
  head: Buffer;
  arrays: number[][];
  negativeZero: boolean[];
  byteLength: number;
}

/**
 * Decides how a value is stored: the bytes of its canonical JSON, or a plan for the binary
 * layout above (which `planChunks` turns into bytes without building one big buffer).
 */
export function planArtifact(value: unknown): Buffer | BinaryPlan {
  const sink: NumberArraySink = { minLength: MIN_BINARY_ARRAY_LENGTH, arrays: [], negativeZero: [], reservedKeySeen: false };
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
  return { head, arrays: sink.arrays, negativeZero: sink.negativeZero, byteLength };
}

/** The bytes of an artifact object in one buffer: canonical JSON, or the binary layout above. */
export function encodeArtifact(value: unknown): Buffer {
  const plan = planArtifact(value);
  if (Buffer.isBuffer(plan)) return plan;
  const out = Buffer.allocUnsafeSlow(plan.byteLength); // own ArrayBuffer: aligned float64 views
  let at = plan.head.copy(out, 0);
  plan.arrays.forEach((a, k) => {
    writeFloats(out, at, a, 0, a.length, plan.negativeZero[k]);
    at += 8 * a.length;
  });
  return out;
}

export const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The bytes of a binary plan as a few chunks: the head, then the numbers through two
 * reused CHUNK_BYTES buffers. A chunk must be consumed (hashed, written) before the one
 * two later is asked for. Filling fresh memory is what costs here (a 100 MB buffer's page
 * faults took as long as its write on the dev VM), so the numbers never get one of their own.
 */
export function* planChunks(plan: BinaryPlan, chunkBytes = CHUNK_BYTES): Generator<Uint8Array> {
  yield plan.head;
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)];
  let turn = 0;
  let buf = buffers[0];
  let used = 0;
  for (let k = 0; k < plan.arrays.length; k++) {
    const a = plan.arrays[k];
    for (let from = 0; from < a.length; ) {
      const n = Math.min(a.length - from, (chunkBytes - used) / 8);
      writeFloats(buf, used, a, from, n, plan.negativeZero[k]);
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
 * The value of an artifact object (already hash-verified by the object store). Plain
 * JSON-shaped data: float64 arrays come back as number[]. Damage → 'corrupt' naming `file`.
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
  const resolveRef = (ref: Record<string, unknown>): number[] => {
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
function replaceRefs(node: unknown, resolveRef: (ref: Record<string, unknown>) => number[]): unknown {
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

/** Writes a[from, from + n) as float64 at `at` (a multiple of 8 in a buffer from allocUnsafeSlow). */
function writeFloats(out: Buffer, at: number, a: number[], from: number, n: number, normalizeNegativeZero: boolean): void {
  if (!LITTLE_ENDIAN_HOST) {
    for (let i = 0; i < n; i++) out.writeDoubleLE(a[from + i] + 0, at + 8 * i); // +0 turns -0 into 0
    return;
  }
  const view = new Float64Array(out.buffer, out.byteOffset + at, n);
  if (from === 0 && n === a.length) view.set(a); // native copy; every slot was checked finite
  else for (let i = 0; i < n; i++) view[i] = a[from + i];
  if (normalizeNegativeZero) for (let i = 0; i < n; i++) if (view[i] === 0) view[i] = 0;
}

function readFloats(buf: Buffer, at: number, n: number): number[] {
  let view: Float64Array;
  if (!LITTLE_ENDIAN_HOST) {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(at + 8 * i);
    return out;
  }
  if ((buf.byteOffset + at) % 8 === 0) view = new Float64Array(buf.buffer, buf.byteOffset + at, n);
  else view = new Float64Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + 8 * n)); // unaligned: one copy
  return toNumberArray(view);
}

/** A plain number[] (models are plain JSON everywhere else). */
function toNumberArray(view: Float64Array): number[] {
  // Preallocated and filled in order: measured ~2× faster than push and ~5× Array.from.
  const out = new Array<number>(view.length);
  for (let i = 0; i < view.length; i++) out[i] = view[i];
  return out;
}

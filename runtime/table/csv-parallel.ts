// Parallel CSV parsing for big files: the bytes are split into chunks at record boundaries,
// and each chunk is parsed by the ordinary parser (csv.ts) in a worker thread — the first
// chunk on this thread — into typed arrays that come back transferred, not copied. Then
// dictionaries are merged in chunk order (so codes follow first appearance in the file, as
// in one pass) and the other chunks' rows are appended to the first chunk's columns, which
// were allocated for the whole file's line count.
//
// Two entry points: parseCsvParallel splits bytes already in memory (each worker gets a copy
// of its chunk in its own ArrayBuffer); readCsvHashed (the engine's path: table + lineage hash)
// never reads the file whole: each worker reads its own part while this thread reads, hashes
// and parses the first. Either way a worker hands its bytes back with the reply (transferred),
// so an idle worker holds nothing. (A SharedArrayBuffer of the whole file would stay alive
// until the idle worker happened to collect garbage: 1x the file.)
//
// Results and errors must be exactly the single-threaded ones. Rather than re-deriving every
// rule at chunk edges, any doubt falls back to one pass over the whole file:
//  - a chunk failed to parse (ragged row, bad quote, bad UTF-8: the one-pass parser then
//    reports it with the file's own line numbers), or a worker could not start;
//  - chunks disagree on a column's type (numbers in one, text in another: one pass re-reads
//    the numeric cells as text, keeping '1.50' as written);
//  - one-column files (there a blank line is a missing cell, so chunk edges would matter).
// A split point is a line feed with an even number of quote bytes before it. A stray quote
// inside an unquoted field can make that guess wrong, but then the chunk before it ends
// inside a quoted field, fails, and the fallback takes over.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { countLines, csvHeader, fileError, parseCsv, parseCsvRows, type CsvOptions } from './csv-parse';
import { missingCount, Table, withCounts, type Column } from './table';

/**
 * Below this size one thread is as fast as starting the split, and a worker costs ~50 MB
 * (measured on a 2-core VM: 15 MB parses in the same time either way, 32 MB 30 % faster
 * with a worker).
 */
export const PARALLEL_MIN_BYTES = 16 << 20;

const LF = 10;
const QUOTE = 34;

export interface ChunkRequest {
  id: number;
  /** The chunk's bytes, owned by the worker until it transfers them back with the reply. */
  buffer: ArrayBuffer;
  names: string[];
  opts: CsvOptions;
}

/**
 * A chunk the worker reads from the file itself: the records from the first line end at or
 * after `from` to the first line end at or after `to` (to the end of the file when `last`).
 */
export interface FileChunkRequest {
  id: number;
  file: string;
  from: number;
  to: number;
  last: boolean;
  names: string[];
  opts: CsvOptions;
}

/** Where a file chunk's records sit in the bytes it read, and their count of quote bytes. */
export interface FileChunkSpan {
  start: number;
  end: number;
  quotes: number;
}

export type PackedColumn =
  | { type: 'number'; values: Float64Array; missing: Uint8Array | null }
  | { type: 'category'; codes: Int32Array; dictionary: string[] };

/**
 * Sent by a worker reading a FileChunkRequest as soon as its part is read, before parsing:
 * its bytes in shared memory, so this thread hashes them while the worker parses the same bytes.
 */
export interface ChunkBytes {
  id: number;
  bytes: Uint8Array;
  span: FileChunkSpan;
}

export type ChunkReply =
  | { id: number; ok: true; rows: number; columns: PackedColumn[]; buffer?: ArrayBuffer; span?: FileChunkSpan }
  | { id: number; ok: false; buffer?: ArrayBuffer };

/** Columns of a chunk as plain transferable data (names are the caller's). */
export function packColumns(t: Table): { columns: PackedColumn[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const columns = t.columns.map((c): PackedColumn => {
    if (c.type === 'number') {
      transfer.push(c.values.buffer as ArrayBuffer);
      if (c.missing) transfer.push(c.missing.buffer as ArrayBuffer);
      return { type: 'number', values: c.values, missing: c.missing };
    }
    transfer.push(c.codes.buffer as ArrayBuffer);
    return { type: 'category', codes: c.codes, dictionary: [...c.dictionary] };
  });
  return { columns, transfer: [...new Set(transfer)] };
}

/** Bytes read past a share's end to find the line end that closes its last record. */
export const SLACK_BYTES = 1 << 20;

/**
 * A worker shares a file part at least this big before parsing it (so it is hashed meanwhile)
 * and is then replaced (see runChunk); a smaller part is hashed after it comes back, which
 * costs less than starting a worker.
 */
export const SHARE_MIN_BYTES = 32 << 20;

/** The header is looked for in this much of the file before the rest of this thread's part is read. */
const HEADER_BYTES = 64 << 10;

/** The file's bytes from `from` to `to` (fewer at the end of the file), in shared memory if asked. */
export function readRange(fd: number, from: number, to: number, shared = false): Uint8Array {
  const length = Math.max(0, to - from);
  const out = shared ? new Uint8Array(new SharedArrayBuffer(length)) : new Uint8Array(length);
  const n = readInto(fd, out, 0, from, out.length);
  return n === out.length ? out : out.subarray(0, n);
}

/** Reads up to `length` bytes at file position `position` into out[at...]; returns the count. */
function readInto(fd: number, out: Uint8Array, at: number, position: number, length: number): number {
  let off = 0;
  while (off < length) {
    const n = fs.readSync(fd, out, at + off, length - off, position + off);
    if (n === 0) break;
    off += n;
  }
  return off;
}

/** Index just past the first line feed at or after `at`, or -1. */
export function recordStart(bytes: Uint8Array, at: number): number {
  const lf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(LF, at);
  return lf < 0 ? -1 : lf + 1;
}

/** Count of quote bytes in bytes[start, end). */
export function countQuotes(bytes: Uint8Array, start: number, end: number): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let q = buf.indexOf(QUOTE, start); q >= 0 && q < end; q = buf.indexOf(QUOTE, q + 1)) n++;
  return n;
}

/** A table, the sha256 of the bytes it was parsed from, and how many bytes those were. */
export interface HashedTable {
  table: Table;
  sha256: string;
  bytes: number;
}

export interface HashedReadOptions extends CsvOptions {
  /** Number of parts (default: one per core, at most 8). */
  chunks?: number;
  /** Split only files at least this big (default PARALLEL_MIN_BYTES). */
  minBytes?: number;
}

/**
 * A CSV file's table and the sha256 of the bytes it was parsed from. A big file is not read
 * whole first: this thread reads and parses the first part (hashing it meanwhile) while each
 * worker reads and parses its own part, so reading is parallel too and no part is copied.
 * Each worker shares its bytes as soon as it has read them, and this thread hashes them in order
 * while the workers parse (the bytes hashed are the bytes parsed). Chunk edges are the first line end
 * at or after each share's end, and a quote count per part checks, as splitPoints does, that no
 * edge falls inside a quoted field; any doubt (or any error) reads the whole file and takes the
 * one-pass route, so results and errors are exactly parseCsv's.
 */
export async function readCsvHashed(file: string, opts: HashedReadOptions = {}): Promise<HashedTable> {
  const whole = async (): Promise<HashedTable> => {
    let bytes: Uint8Array;
    try {
      bytes = await fs.promises.readFile(file);
    } catch (e) {
      throw fileError(file, e);
    }
    const hash = createHash('sha256');
    const table = await parseCsvParallel(bytes, { delimiter: opts.delimiter, missing: opts.missing, file, meanwhile: () => hash.update(bytes) });
    return { table, sha256: hash.digest('hex'), bytes: bytes.byteLength };
  };
  const chunks = opts.chunks ?? Math.min(threadCount(), 8);
  if (chunks < 2 || !workerFile()) return whole();
  let size = 0;
  let head = new Uint8Array(0);
  let names: string[] = [];
  let dataStart = 0;
  const firstWeight = Math.max(0.25, 1 - 0.125 * chunks); // this thread also hashes (see parseCsvParallel)
  const share = (k: number): number => Math.floor((size * (firstWeight + k - 1)) / (firstWeight + chunks - 1));
  const csvOpts: CsvOptions = { delimiter: opts.delimiter, missing: opts.missing };
  const pending: Promise<ChunkReply>[] = [];
  const shared: Promise<ChunkBytes | undefined>[] = [];
  try {
    const fd = fs.openSync(file, 'r');
    try {
      size = fs.fstatSync(fd).size;
      if (size < (opts.minBytes ?? PARALLEL_MIN_BYTES)) return whole();
      head = new Uint8Array(Math.min(size, share(1) + SLACK_BYTES));
      // The header first, so the workers start reading their parts while this thread reads its own.
      let got = readInto(fd, head, 0, 0, Math.min(head.length, HEADER_BYTES));
      try {
        ({ names, dataStart } = csvHeader(head.subarray(0, got), opts));
      } catch {
        return whole(); // reported with the whole file in view
      }
      if (names.length < 2 || dataStart >= got) return whole(); // tiny data, or a header longer than the prefix
      for (let k = 1; k < chunks; k++) {
        let bytesReady: (b: ChunkBytes | undefined) => void = () => {};
        shared.push(new Promise((resolve) => (bytesReady = resolve)));
        pending.push(runChunk({ id: 0, file, from: share(k), to: share(k + 1), last: k === chunks - 1, names, opts: csvOpts }, bytesReady));
      }
      got += readInto(fd, head, got, got, head.length - got);
      head = head.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    await Promise.all(pending);
    throw fileError(file, e);
  }
  const end0 = recordStart(head, share(1));
  if (end0 <= dataStart || end0 >= head.length) {
    await Promise.all(pending);
    return whole();
  }
  const hash = createHash('sha256').update(head.subarray(0, end0));
  let first: ChunkReply;
  try {
    // Room for about every row of the file, so the other parts are appended without a copy.
    const lines = countLines(Buffer.from(head.buffer, head.byteOffset, end0), dataStart, end0 - 1);
    const capacity = Math.ceil((lines * (size - dataStart) * 1.02) / (end0 - dataStart)) + 64;
    const t = parseCsvRows(head.subarray(dataStart, end0), names, csvOpts, capacity);
    first = { id: 0, ok: true, rows: t.rowCount, columns: packColumns(t).columns };
  } catch {
    first = { id: 0, ok: false };
  }
  // Hash the workers' parts, in order, while they are still parsing them. The parts must tile
  // the file, and every edge must sit outside quotes.
  let at = end0;
  let quotes = countQuotes(head, dataStart, end0);
  let tiled = first.ok;
  for (let k = 1; k < chunks && tiled; k++) {
    // A small part is not shared (see SHARE_MIN_BYTES): its bytes come back with the reply.
    const part = (await shared[k - 1]) ?? returnedBytes(await pending[k - 1]);
    if (!part || share(k) + part.span.start !== at || quotes % 2 !== 0) tiled = false;
    else {
      hash.update(part.bytes.subarray(part.span.start, part.span.end));
      at = share(k) + part.span.end;
      quotes += part.span.quotes;
    }
  }
  const replies = [first, ...(await Promise.all(pending))];
  if (!tiled || !replies.every((r) => r.ok)) return whole();
  const table = mergeChunks(names, replies as Extract<ChunkReply, { ok: true }>[]);
  return table ? { table, sha256: hash.digest('hex'), bytes: at } : whole();
}

/**
 * Whether chunks can be parsed in worker threads here: runs a two-line chunk through the pool.
 * (False on one core, or when the worker cannot start; parsing then stays on this thread.)
 */
export async function workersAvailable(): Promise<boolean> {
  const reply = await runChunk({ id: 0, buffer: new TextEncoder().encode('1,2\n3,4\n').buffer as ArrayBuffer, names: ['a', 'b'], opts: {} });
  return reply.ok && reply.rows === 2;
}

export async function readCsvParallel(file: string, opts: CsvOptions = {}): Promise<Table> {
  let bytes: Uint8Array;
  try {
    bytes = await readCsvBytes(file);
  } catch (e) {
    throw fileError(file, e);
  }
  return parseCsvParallel(bytes, { ...opts, file });
}

/** A CSV file's bytes, for parseCsvParallel. */
export async function readCsvBytes(file: string): Promise<Uint8Array> {
  return fs.promises.readFile(file);
}

export interface ParallelOptions extends CsvOptions {
  file?: string;
  /** Number of chunks (default: one per core, at most 8). */
  chunks?: number;
  /** Split only inputs at least this big (default PARALLEL_MIN_BYTES). */
  minBytes?: number;
  /**
   * Work for this thread while the workers parse (e.g. hashing the same bytes); runs once,
   * before this thread parses its own chunk (or before the one-pass parse).
   */
  meanwhile?: () => void;
}

/** parseCsv, split across worker threads when the input is big enough; same result, same errors. */
export async function parseCsvParallel(input: Uint8Array, opts: ParallelOptions = {}): Promise<Table> {
  let meanwhile = opts.meanwhile;
  const single = (): Table => {
    meanwhile?.();
    meanwhile = undefined;
    return parseCsv(input, opts);
  };
  const chunks = opts.chunks ?? Math.min(threadCount(), 8);
  if (input.byteLength < (opts.minBytes ?? PARALLEL_MIN_BYTES) || chunks < 2 || !workerFile()) return single();
  const { names, dataStart } = csvHeader(input, opts); // header errors are thrown right here
  if (names.length < 2) return single();
  // Hashing the bytes costs about an eighth of parsing them: give this thread less to parse.
  const bounds = splitPoints(input, dataStart, chunks, meanwhile ? Math.max(0.25, 1 - 0.125 * chunks) : 1);
  if (bounds.length < 3) return single();

  const csvOpts: CsvOptions = { delimiter: opts.delimiter, missing: opts.missing };
  const pending = bounds.slice(1, -1).map((start, k) => {
    // A copy the worker owns (see the top). Not input.slice: on a Buffer that is a view.
    const own = new Uint8Array(input.subarray(start, bounds[k + 2]));
    return runChunk({ id: 0, buffer: own.buffer as ArrayBuffer, names, opts: csvOpts });
  });
  meanwhile?.();
  meanwhile = undefined;
  let first: ChunkReply;
  try {
    // Room for every row of the file, so the other chunks are appended without a copy.
    const view = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const capacity = countLines(view, dataStart, input.byteLength - 1);
    const t = parseCsvRows(input.subarray(dataStart, bounds[1]), names, csvOpts, capacity);
    first = { id: 0, ok: true, rows: t.rowCount, columns: packColumns(t).columns };
  } catch {
    first = { id: 0, ok: false };
  }
  const replies = [first, ...(await Promise.all(pending))];
  const merged = replies.every((r) => r.ok) ? mergeChunks(names, replies as Extract<ChunkReply, { ok: true }>[]) : undefined;
  return merged ?? single();
}

/**
 * Chunk boundaries: [dataStart, b1, ..., input.length]. Each inner bound is just past a line
 * feed with an even count of quote bytes between dataStart and it. The first chunk is
 * `firstWeight` times the size of the others (it shares this thread with other work).
 */
export function splitPoints(input: Uint8Array, dataStart: number, chunks: number, firstWeight = 1): number[] {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength); // indexOf is memchr
  const bounds = [dataStart];
  const size = input.byteLength - dataStart;
  // Chunk k > 0 starts after firstWeight + (k - 1) shares of (firstWeight + chunks - 1).
  const shares = firstWeight + chunks - 1;
  let quotes = 0;
  let counted = dataStart; // quotes in [dataStart, counted) are in `quotes`
  for (let k = 1; k < chunks; k++) {
    let lf = buf.indexOf(LF, Math.max(dataStart + Math.floor((size * (firstWeight + k - 1)) / shares), bounds[bounds.length - 1]));
    while (lf >= 0) {
      for (let q = buf.indexOf(QUOTE, counted); q >= 0 && q < lf; q = buf.indexOf(QUOTE, q + 1)) quotes++;
      counted = lf;
      if (quotes % 2 === 0) break;
      lf = buf.indexOf(LF, lf + 1);
    }
    if (lf < 0 || lf + 1 >= input.byteLength) break;
    bounds.push(lf + 1);
  }
  bounds.push(input.byteLength);
  return bounds;
}

/** One column set from the chunks, or undefined when they disagree on a column's type. */
function mergeChunks(names: string[], parts: Extract<ChunkReply, { ok: true }>[]): Table | undefined {
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const columns: Column[] = [];
  for (let c = 0; c < names.length; c++) {
    const cols = parts.map((p) => p.columns[c]);
    // A chunk where the column is all missing reads as numbers but fits either type.
    const blank = cols.map((col, k) => col.type === 'number' && allMissing(col, parts[k].rows));
    const isCategory = cols.some((col) => col.type === 'category');
    if (isCategory && cols.some((col, k) => col.type === 'number' && !blank[k])) return undefined;
    if (!isCategory) {
      const head = cols[0] as Extract<PackedColumn, { type: 'number' }>;
      const values = extend(head.values, rows, Float64Array);
      let missing: Uint8Array | null = head.missing && extend(head.missing, rows, Uint8Array);
      let at = parts[0].rows;
      cols.forEach((col, k) => {
        if (k === 0 || col.type !== 'number') return;
        values.set(col.values, at);
        if (col.missing) (missing ??= new Uint8Array(rows)).set(col.missing, at);
        at += parts[k].rows;
      });
      const col: Column = { type: 'number', name: names[c], values, missing };
      // Number cells are finite by construction (anything else makes the column text).
      columns.push(withCounts(col, { missing: missingCount(col), nonFinite: 0 }));
      continue;
    }
    const dictionary: string[] = [];
    const codeOf = new Map<string, number>();
    const head = cols[0];
    // The first chunk's codes are already final (the merged dictionary starts with its own).
    const codes = head.type === 'category' ? extend(head.codes, rows, Int32Array) : new Int32Array(rows);
    let at = 0;
    cols.forEach((col, k) => {
      const n = parts[k].rows;
      if (k === 0 && col.type === 'category') {
        col.dictionary.forEach((s, code) => {
          dictionary.push(s);
          codeOf.set(s, code);
        });
      } else if (col.type === 'number') {
        codes.fill(-1, at, at + n);
      } else {
        const remap = Int32Array.from(col.dictionary, (s) => {
          let code = codeOf.get(s);
          if (code === undefined) {
            code = dictionary.length;
            dictionary.push(s);
            codeOf.set(s, code);
          }
          return code;
        });
        const src = col.codes;
        for (let i = 0; i < n; i++) codes[at + i] = src[i] < 0 ? -1 : remap[src[i]];
      }
      at += n;
    });
    columns.push({ type: 'category', name: names[c], codes, dictionary });
  }
  return new Table(columns, rows);
}

/**
 * `a` grown to `rows` entries: a view of its own buffer when that has room (the first chunk
 * was parsed with the whole file's capacity), else a copy.
 */
function extend<T extends Float64Array | Uint8Array | Int32Array>(a: T, rows: number, Type: { new (b: ArrayBuffer, o: number, n: number): T; new (n: number): T }): T {
  if (a.buffer.byteLength - a.byteOffset >= rows * a.BYTES_PER_ELEMENT) return new Type(a.buffer as ArrayBuffer, a.byteOffset, rows);
  const out = new Type(rows);
  out.set(a);
  return out;
}

function allMissing(col: Extract<PackedColumn, { type: 'number' }>, rows: number): boolean {
  if (rows === 0) return true;
  if (!col.missing) return false;
  for (let i = 0; i < rows; i++) if (col.missing[i] !== 1) return false;
  return true;
}

function threadCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

// ---- the worker pool -------------------------------------------------------------------
// Workers start on first use and stay (unref'd, so they never keep a process alive); a
// worker that fails to start or dies turns the pool off and every chunk falls back.

let workerPath: string | null | undefined;

/** The worker entry beside this module: csv-worker.js when bundled, csv-worker.ts under tsx. */
function workerFile(): string | undefined {
  if (workerPath === undefined) {
    const candidates = [path.join(__dirname, 'csv-worker.js'), path.join(__dirname, 'csv-worker.ts')];
    workerPath = candidates.find((f) => fs.existsSync(f)) ?? null;
  }
  return workerPath ?? undefined;
}

/**
 * A worker running the TypeScript source (tests, benches under tsx): a worker thread does not
 * inherit tsx's loader hooks, so it registers tsx's require hook itself before loading the file.
 * Without this every chunk would fail and the parse would fall back to one thread.
 */
function sourceWorker(file: string): Worker {
  const hook = 'tsx/cjs'; // a variable, so bundlers leave the lookup alone
  const resolved = require.resolve(hook); // throws when tsx is absent: spawn's caller falls back
  return new Worker(`require(${JSON.stringify(resolved)}); require(${JSON.stringify(file)});`, { eval: true });
}

interface PoolWorker {
  worker: Worker;
  busy: boolean;
  /** Being ended on purpose (see runChunk): its exit is not a failure. */
  retired?: boolean;
}

const pool: PoolWorker[] = [];
const waiting = new Map<number, (r: ChunkReply) => void>();
const early = new Map<number, (b: ChunkBytes | undefined) => void>();
let nextId = 1;

function returnedBytes(r: ChunkReply): Pick<ChunkBytes, 'bytes' | 'span'> | undefined {
  return r.ok && r.buffer && r.span ? { bytes: new Uint8Array(r.buffer), span: r.span } : undefined;
}

/** Runs a chunk in a worker; `onBytes` gets a file chunk's shared bytes (or undefined) first. */
function runChunk(req: ChunkRequest | FileChunkRequest, onBytes?: (b: ChunkBytes | undefined) => void): Promise<ChunkReply> {
  const id = nextId++;
  return new Promise<ChunkReply>((settle) => {
    const resolve = (r: ChunkReply): void => {
      onBytes?.(undefined); // no-op once the bytes came (a promise settles once)
      settle(r);
    };
    const file = workerFile();
    if (!file) return resolve({ id, ok: false });
    let w = pool.find((p) => !p.busy);
    if (!w) {
      try {
        w = spawn(file);
      } catch {
        workerPath = null;
        return resolve({ id, ok: false });
      }
    }
    const taken = w;
    taken.busy = true;
    let sharedSent = false;
    if (onBytes) {
      early.set(id, (b) => {
        sharedSent = b !== undefined;
        onBytes(b);
      });
    }
    waiting.set(id, (r) => {
      taken.busy = false;
      taken.worker.unref(); // idle: let the process exit
      // A worker that shared a file part still holds it until its own next GC, which an idle
      // worker never runs (up to ~90 MB per 1M rows kept through the run). Ending the worker
      // frees it at once; a fresh one starts now, in the background, for the next read.
      if (sharedSent && workerPath) {
        taken.retired = true;
        pool.splice(pool.indexOf(taken), 1);
        void taken.worker.terminate();
        try {
          spawn(workerPath);
        } catch {
          workerPath = null;
        }
      }
      resolve(r);
    });
    taken.worker.ref();
    taken.worker.postMessage({ ...req, id }, 'buffer' in req ? [req.buffer] : []);
  });
}

function spawn(file: string): PoolWorker {
  const worker = file.endsWith('.ts') ? sourceWorker(file) : new Worker(file);
  const entry: PoolWorker = { worker, busy: false };
  worker.on('message', (r: ChunkReply | ChunkBytes) => {
    if ('bytes' in r) {
      early.get(r.id)?.(r);
      early.delete(r.id);
      return;
    }
    early.delete(r.id); // a reply without shared bytes before it settles them as undefined
    const done = waiting.get(r.id);
    waiting.delete(r.id);
    done?.(r);
  });
  const fail = (): void => {
    if (entry.retired) return;
    workerPath = null; // stop using workers in this process
    pool.splice(pool.indexOf(entry), 1);
    early.clear(); // settled as undefined by each waiting reply below
    for (const [id, done] of waiting) {
      waiting.delete(id);
      done({ id, ok: false });
    }
  };
  worker.on('error', fail);
  worker.on('exit', fail);
  worker.unref();
  pool.push(entry);
  return entry;
}

// Parallel CSV parsing for big files: the bytes are read into a SharedArrayBuffer, split
// into chunks at record boundaries, and each chunk is parsed by the ordinary parser (csv.ts)
// in a worker thread — the first chunk on this thread — into typed arrays that come back
// transferred, not copied. Then dictionaries are merged in chunk order (so codes follow
// first appearance in the file, as in one pass) and columns are concatenated.
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
import { csvHeader, fileError, parseCsv, parseCsvRows, type CsvOptions } from './csv';
import { Table, type Column } from './table';

/** Below this size one thread is faster than starting the split. */
export const PARALLEL_MIN_BYTES = 8 << 20;

const LF = 10;
const QUOTE = 34;

export interface ChunkRequest {
  id: number;
  buffer: SharedArrayBuffer;
  start: number;
  end: number;
  names: string[];
  opts: CsvOptions;
}

export type PackedColumn =
  | { type: 'number'; values: Float64Array; missing: Uint8Array | null }
  | { type: 'category'; codes: Int32Array; dictionary: string[] };

export type ChunkReply = { id: number; ok: true; rows: number; columns: PackedColumn[] } | { id: number; ok: false };

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

export async function readCsvParallel(file: string, opts: CsvOptions = {}): Promise<Table> {
  let bytes: Uint8Array;
  try {
    bytes = await readCsvBytes(file);
  } catch (e) {
    throw fileError(file, e);
  }
  return parseCsvParallel(bytes, { ...opts, file });
}

/**
 * A CSV file's bytes, ready for parseCsvParallel: in a SharedArrayBuffer when big enough
 * to split across workers, else a plain buffer.
 */
export async function readCsvBytes(file: string): Promise<Uint8Array> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size < PARALLEL_MIN_BYTES || threadCount() < 2 || !workerFile()) return await fh.readFile();
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(bytes, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === size ? bytes : bytes.subarray(0, off);
  } finally {
    await fh.close();
  }
}

export interface ParallelOptions extends CsvOptions {
  file?: string;
  /** Number of chunks (default: one per core, at most 8). */
  chunks?: number;
  /** Split only inputs at least this big (default PARALLEL_MIN_BYTES). */
  minBytes?: number;
}

/** parseCsv, split across worker threads when the input is big enough; same result, same errors. */
export async function parseCsvParallel(input: Uint8Array, opts: ParallelOptions = {}): Promise<Table> {
  const single = (): Table => parseCsv(input, opts);
  const chunks = opts.chunks ?? Math.min(threadCount(), 8);
  if (input.byteLength < (opts.minBytes ?? PARALLEL_MIN_BYTES) || chunks < 2 || !workerFile()) return single();
  const { names, dataStart } = csvHeader(input, opts); // header errors are thrown right here
  if (names.length < 2) return single();
  const bounds = splitPoints(input, dataStart, chunks);
  if (bounds.length < 3) return single();

  const shared = toShared(input);
  const csvOpts: CsvOptions = { delimiter: opts.delimiter, missing: opts.missing };
  const pending = bounds.slice(1, -1).map((start, k) =>
    runChunk({ id: 0, buffer: shared.buffer as SharedArrayBuffer, start: shared.byteOffset + start, end: shared.byteOffset + bounds[k + 2], names, opts: csvOpts }),
  );
  let first: ChunkReply;
  try {
    const t = parseCsvRows(input.subarray(dataStart, bounds[1]), names, csvOpts);
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
 * feed with an even count of quote bytes between dataStart and it.
 */
export function splitPoints(input: Uint8Array, dataStart: number, chunks: number): number[] {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength); // indexOf is memchr
  const bounds = [dataStart];
  const size = input.byteLength - dataStart;
  let quotes = 0;
  let counted = dataStart; // quotes in [dataStart, counted) are in `quotes`
  for (let k = 1; k < chunks; k++) {
    let lf = buf.indexOf(LF, Math.max(dataStart + Math.floor((size * k) / chunks), bounds[bounds.length - 1]));
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
      const values = new Float64Array(rows);
      let missing: Uint8Array | null = null;
      let at = 0;
      cols.forEach((col, k) => {
        if (col.type !== 'number') return;
        values.set(col.values, at);
        if (col.missing) (missing ??= new Uint8Array(rows)).set(col.missing, at);
        at += parts[k].rows;
      });
      columns.push({ type: 'number', name: names[c], values, missing });
      continue;
    }
    const dictionary: string[] = [];
    const codeOf = new Map<string, number>();
    const codes = new Int32Array(rows);
    let at = 0;
    cols.forEach((col, k) => {
      const n = parts[k].rows;
      if (col.type === 'number') {
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

function allMissing(col: Extract<PackedColumn, { type: 'number' }>, rows: number): boolean {
  if (rows === 0) return true;
  if (!col.missing) return false;
  for (let i = 0; i < rows; i++) if (col.missing[i] !== 1) return false;
  return true;
}

function toShared(input: Uint8Array): Uint8Array {
  if (input.buffer instanceof SharedArrayBuffer) return input;
  const out = new Uint8Array(new SharedArrayBuffer(input.byteLength));
  out.set(input);
  return out;
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

interface PoolWorker {
  worker: Worker;
  busy: boolean;
}

const pool: PoolWorker[] = [];
const waiting = new Map<number, (r: ChunkReply) => void>();
let nextId = 1;

function runChunk(req: ChunkRequest): Promise<ChunkReply> {
  const id = nextId++;
  return new Promise((resolve) => {
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
    waiting.set(id, (r) => {
      taken.busy = false;
      taken.worker.unref(); // idle: let the process exit
      resolve(r);
    });
    taken.worker.ref();
    taken.worker.postMessage({ ...req, id });
  });
}

function spawn(file: string): PoolWorker {
  const worker = new Worker(file);
  const entry: PoolWorker = { worker, busy: false };
  worker.on('message', (r: ChunkReply) => {
    const done = waiting.get(r.id);
    waiting.delete(r.id);
    done?.(r);
  });
  const fail = (): void => {
    workerPath = null; // stop using workers in this process
    pool.splice(pool.indexOf(entry), 1);
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

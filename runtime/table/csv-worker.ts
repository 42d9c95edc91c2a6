// Worker-thread entry for csv-parallel.ts: parses one chunk and sends the columns back with
// their buffers transferred, and the chunk's bytes too, so that nothing big stays here. A big
// part it reads from the file itself is read into shared memory and shared before parsing, so
// the main thread hashes it meanwhile (this worker is then replaced, which frees it).
import { parentPort } from 'node:worker_threads';
import { parseCsvRows } from './csv-parse';
import * as fs from 'node:fs';
import {
  SHARE_MIN_BYTES,
  SLACK_BYTES,
  countQuotes,
  packColumns,
  readRange,
  recordStart,
  type ChunkBytes,
  type ChunkReply,
  type ChunkRequest,
  type FileChunkRequest,
  type FileChunkSpan,
} from './csv-parallel';

parentPort?.on('message', (req: ChunkRequest | FileChunkRequest) => {
  let reply: ChunkReply;
  let transfer: ArrayBuffer[] = [];
  let bytes: Uint8Array | undefined;
  try {
    let span: FileChunkSpan | undefined;
    if ('file' in req) {
      ({ bytes, span } = readFileChunk(req));
      if (bytes.buffer instanceof SharedArrayBuffer) parentPort!.postMessage({ id: req.id, bytes, span } satisfies ChunkBytes);
    } else {
      bytes = new Uint8Array(req.buffer);
    }
    const t = parseCsvRows(span ? bytes.subarray(span.start, span.end) : bytes, req.names, req.opts);
    const packed = packColumns(t);
    transfer = packed.transfer;
    reply = { id: req.id, ok: true, rows: t.rowCount, columns: packed.columns, span, ...ownBuffer(bytes) };
  } catch {
    reply = { id: req.id, ok: false, ...ownBuffer(bytes) };
  }
  // The parser may have grown a copy of the chunk, but never into the chunk's own buffer.
  if (reply.buffer && !transfer.includes(reply.buffer)) transfer.push(reply.buffer);
  parentPort!.postMessage(reply, transfer);
});

/** The chunk's buffer to hand back, unless it is shared memory (which cannot be transferred). */
function ownBuffer(bytes: Uint8Array | undefined): { buffer?: ArrayBuffer } {
  return bytes && bytes.buffer instanceof ArrayBuffer ? { buffer: bytes.buffer } : {};
}

/** Reads this part of the file (a little past its end, to find the closing line end). */
function readFileChunk(req: FileChunkRequest): { bytes: Uint8Array; span: FileChunkSpan } {
  const fd = fs.openSync(req.file, 'r');
  let bytes: Uint8Array;
  try {
    const size = fs.fstatSync(fd).size;
    const to = req.last ? size : Math.min(size, req.to + SLACK_BYTES);
    bytes = readRange(fd, req.from, to, to - req.from >= SHARE_MIN_BYTES);
  } finally {
    fs.closeSync(fd);
  }
  const start = recordStart(bytes, 0);
  const end = req.last ? bytes.length : recordStart(bytes, req.to - req.from);
  if (start < 0 || end < start || (!req.last && end < 0)) throw new Error('no record boundary in this part');
  return { bytes, span: { start, end, quotes: countQuotes(bytes, start, end) } };
}

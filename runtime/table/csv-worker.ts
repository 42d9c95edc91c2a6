// Worker-thread entry for csv-parallel.ts: parses one chunk of a shared buffer and sends the
// columns back with their buffers transferred.
import { parentPort } from 'node:worker_threads';
import { parseCsvRows } from './csv';
import { packColumns, type ChunkReply, type ChunkRequest } from './csv-parallel';

parentPort?.on('message', (req: ChunkRequest) => {
  let reply: ChunkReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const t = parseCsvRows(new Uint8Array(req.buffer, req.start, req.end - req.start), req.names, req.opts);
    const packed = packColumns(t);
    transfer = packed.transfer;
    reply = { id: req.id, ok: true, rows: t.rowCount, columns: packed.columns };
  } catch {
    reply = { id: req.id, ok: false };
  }
  parentPort!.postMessage(reply, transfer);
});

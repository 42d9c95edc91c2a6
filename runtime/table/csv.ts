// CSV files: reading (one thread, or split across worker threads for big files: see
// csv-parallel.ts) and writing. The parser itself, and what it decides, is in csv-parse.ts.
import * as fs from 'node:fs';
import { writeFileAtomic } from '../fs/atomic';
import type { Table } from './table';
import { readCsvParallel } from './csv-parallel';
import { checkDelimiter, DEFAULT_MISSING, fileError, parseCsv, type CsvOptions } from './csv-parse';

export * from './csv-parse';

/**
 * Read a CSV file. Files of PARALLEL_MIN_BYTES or more are parsed in worker threads when the
 * machine has more than one core; the result (and any error) is exactly the single-threaded one.
 */
export async function readCsv(path: string, opts: CsvOptions = {}): Promise<Table> {
  return readCsvParallel(path, opts);
}

/** Read a CSV file on this thread only. */
export async function readCsvSingleThread(path: string, opts: CsvOptions = {}): Promise<Table> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
  return parseCsv(bytes, { ...opts, file: path });
}

/** Format a table as CSV text (LF line ends, header row first). */
export function formatCsv(table: Table, opts: { delimiter?: string } = {}): string {
  const delim = opts.delimiter ?? ',';
  checkDelimiter(delim);
  const missing = new Set(DEFAULT_MISSING);
  const quote = (s: string): string => {
    const needs =
      s.includes(delim) || s.includes('"') || s.includes('\n') || s.includes('\r') || (s !== '' && missing.has(s));
    return needs || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
  };
  // A category value is formatted once per dictionary entry, not once per cell.
  const cells = table.columns.map((c) => (c.type === 'category' ? c.dictionary.map(quote) : null));
  const header = table.names.map((n) => quote(n)).join(delim);
  const parts: string[] = [header];
  const nc = table.columnCount;
  const line: string[] = new Array(nc);
  for (let r = 0; r < table.rowCount; r++) {
    for (let j = 0; j < nc; j++) {
      const c = table.columns[j];
      if (c.type === 'number') {
        const v = c.values[r];
        line[j] = c.missing !== null && c.missing[r] === 1 ? '' : formatNumber(v);
      } else {
        const code = c.codes[r];
        line[j] = code < 0 ? '' : cells[j]![code];
      }
    }
    parts.push(line.join(delim));
  }
  return parts.join('\n') + '\n';
}

export async function writeCsv(table: Table, path: string, opts: { delimiter?: string } = {}): Promise<void> {
  await writeFileAtomic(path, formatCsv(table, opts));
}

/** String(x) round-trips every finite double exactly; only -0 needs help. */
function formatNumber(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

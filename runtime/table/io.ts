// Read or write a table by file extension (or an explicit format).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { createHash } from 'node:crypto';
import { tableFromArrowIPC, writeArrow } from './arrow';
import { writeCsv } from './csv';
import { type CsvOptions, fileError } from './csv-parse';
import { parseCsvParallel, readCsvBytes, readCsvHashed, type HashedTable } from './csv-parallel';
import { parseJson, writeJson } from './json';
import type { Table } from './table';

export type TableFormat = 'csv' | 'json' | 'arrow';

export interface ReadTableOptions extends CsvOptions {
  /** Overrides the format implied by the extension. */
  format?: TableFormat;
}

export interface WriteTableOptions {
  format?: TableFormat;
  /** CSV only. Default ',' (a tab for .tsv). */
  delimiter?: string;
}

const BY_EXTENSION: Record<string, { format: TableFormat; delimiter?: string }> = {
  '.csv': { format: 'csv' },
  '.tsv': { format: 'csv', delimiter: '\t' },
  '.json': { format: 'json' },
  '.arrow': { format: 'arrow' },
  '.ipc': { format: 'arrow' },
  '.feather': { format: 'arrow' }, // Feather v2 is the Arrow IPC file format
};

function formatOf(file: string, explicit: TableFormat | undefined): { format: TableFormat; delimiter?: string } {
  const known = BY_EXTENSION[path.extname(file).toLowerCase()];
  if (explicit) return { format: explicit, delimiter: known?.format === explicit ? known.delimiter : undefined };
  if (known) return known;
  throw new DataError(
    `cannot tell the table format from the extension (use one of ${Object.keys(BY_EXTENSION).join(' ')} or pass a format)`,
    file,
  );
}

export async function readTable(file: string, opts: ReadTableOptions = {}): Promise<Table> {
  const known = formatOf(file, opts.format);
  return parseBytes(await readBytes(file, known.format), file, known, opts);
}

/**
 * The table in `file`, the sha256 of the very bytes it was parsed from and their count: one
 * read of the file serves both the data and its lineage hash.
 */
export async function readTableAndHash(file: string, opts: ReadTableOptions = {}): Promise<HashedTable> {
  const known = formatOf(file, opts.format);
  if (known.format === 'csv') return readCsvHashed(file, { delimiter: opts.delimiter ?? known.delimiter, missing: opts.missing });
  const bytes = await readBytes(file, known.format);
  let sha256 = '';
  const hash = (): void => {
    sha256 = createHash('sha256').update(bytes).digest('hex');
  };
  const table = await parseBytes(bytes, file, known, opts, hash);
  if (sha256 === '') hash();
  return { table, sha256, bytes: bytes.byteLength };
}

async function readBytes(file: string, format: TableFormat): Promise<Uint8Array> {
  try {
    return format === 'csv' ? await readCsvBytes(file) : await fs.promises.readFile(file);
  } catch (e) {
    throw fileError(file, e);
  }
}

async function parseBytes(
  bytes: Uint8Array,
  file: string,
  known: { format: TableFormat; delimiter?: string },
  opts: ReadTableOptions,
  meanwhile?: () => void,
): Promise<Table> {
  if (known.format === 'csv') {
    return parseCsvParallel(bytes, { delimiter: opts.delimiter ?? known.delimiter, missing: opts.missing, file, meanwhile });
  }
  if (known.format === 'json') return parseJson(bytes, { file });
  return tableFromArrowIPC(bytes, { file });
}

/** Write atomically, creating parent folders as needed. */
export async function writeTable(table: Table, file: string, opts: WriteTableOptions = {}): Promise<void> {
  const { format, delimiter } = formatOf(file, opts.format);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  if (format === 'csv') return writeCsv(table, file, { delimiter: opts.delimiter ?? delimiter });
  if (format === 'json') return writeJson(table, file);
  return writeArrow(table, file);
}

// Read or write a table by file extension (or an explicit format).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { readArrow, writeArrow } from './arrow';
import { type CsvOptions, readCsv, writeCsv } from './csv';
import { readJson, writeJson } from './json';
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
  const { format, delimiter } = formatOf(file, opts.format);
  if (format === 'csv') return readCsv(file, { delimiter: opts.delimiter ?? delimiter, missing: opts.missing });
  if (format === 'json') return readJson(file);
  return readArrow(file);
}

/** Write atomically, creating parent folders as needed. */
export async function writeTable(table: Table, file: string, opts: WriteTableOptions = {}): Promise<void> {
  const { format, delimiter } = formatOf(file, opts.format);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  if (format === 'csv') return writeCsv(table, file, { delimiter: opts.delimiter ?? delimiter });
  if (format === 'json') return writeJson(table, file);
  return writeArrow(table, file);
}

// Stages that read tables from files and write them back.
// Relative paths resolve against the pipeline file's folder (ctx.baseDir).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { readCsv, writeCsv } from '../table/csv';
import { readJson } from '../table/json';
import type { Table } from '../table/table';
import type { StageContext, StageDef, TransformStage } from './types';

function resolvePath(ctx: StageContext, p: unknown): string {
  if (typeof p !== 'string' || p.trim() === '') {
    throw new DataError(`stage '${ctx.stage}' (${ctx.uses}): 'path' must be a non-empty file path`);
  }
  return path.resolve(ctx.baseDir, p);
}

const readCsvStage: TransformStage<{ path: string; delimiter?: string; missing?: string[] }> = {
  type: 'read-csv',
  kind: 'transform',
  summary: 'Read a CSV file into the table (column types inferred; the input table is ignored).',
  params: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'CSV file, relative to the pipeline file.' },
      delimiter: { type: 'string', minLength: 1, maxLength: 1, description: "Field separator (default ',')." },
      missing: {
        type: 'array',
        items: { type: 'string' },
        description: "Cell texts read as missing (default '', NA, N/A, n/a, na, NaN, nan, null, NULL, None, none, ?, #N/A).",
      },
    },
    required: ['path'],
    additionalProperties: false,
  },
  async run(_input, ctx) {
    const onWarning = (w: { message: string; code: string }): void => ctx.warn(w.message, w.code);
    return readCsv(resolvePath(ctx, ctx.params.path), { delimiter: ctx.params.delimiter, missing: ctx.params.missing, onWarning });
  },
};

const readJsonStage: TransformStage<{ path: string }> = {
  type: 'read-json',
  kind: 'transform',
  summary: 'Read a JSON file (array of records or object of columns) into the table.',
  params: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'JSON file, relative to the pipeline file.' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  async run(_input, ctx) {
    return readJson(resolvePath(ctx, ctx.params.path), { onWarning: (w) => ctx.warn(w.message, w.code) });
  },
};

const writeCsvStage: TransformStage<{ path: string; columns?: string[] }> = {
  type: 'write-csv',
  kind: 'transform',
  summary: 'Write the table (or some of its columns) to a CSV file atomically; passes the table on unchanged.',
  params: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'Output file, relative to the pipeline file.' },
      columns: { type: 'array', items: { type: 'string' }, description: 'Only these columns, in this order.' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  async run(input: Table, ctx) {
    const file = resolvePath(ctx, ctx.params.path);
    const wanted = ctx.params.columns;
    if (wanted) {
      const unknown = wanted.filter((c) => !input.has(c));
      if (unknown.length) {
        throw new DataError(
          `stage '${ctx.stage}' (write-csv): no column ${unknown.map((c) => `'${c}'`).join(', ')} (columns: ${input.names.join(', ') || 'none'})`,
        );
      }
    }
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await writeCsv(wanted ? input.select(wanted) : input, file);
    return input;
  },
};

export const stages: StageDef[] = [readCsvStage, readJsonStage, writeCsvStage];

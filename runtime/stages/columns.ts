// Column stages: keep, remove or rename columns. They never copy data: the output table
// reuses the input's column buffers.
import { Table } from '../table/table';
import { columnListSchema, formatNames, renamed, requireColumns, requireUnique, stageLabel, stringListParam } from './common';
import type { StageContext, StageDef, TransformStage } from './types';

function requiredList(ctx: StageContext, key: string): string[] {
  const list = stringListParam(ctx.params, key, stageLabel(ctx));
  if (list === undefined) throw new Error(`${stageLabel(ctx)}: '${key}' is required (a list of column names)`);
  return list;
}

const select: TransformStage<{ columns: string[] }> = {
  type: 'select',
  kind: 'transform',
  summary: 'Keep only the listed columns, in the listed order.',
  params: {
    type: 'object',
    properties: {
      columns: columnListSchema('Columns to keep, in output order.', { minItems: 1 }),
    },
    required: ['columns'],
    additionalProperties: false,
  },
  run(input, ctx) {
    const names = requiredList(ctx, 'columns');
    requireColumns(input, names, stageLabel(ctx));
    requireUnique(names, stageLabel(ctx));
    return input.select(names);
  },
};

const drop: TransformStage<{ columns: string[] }> = {
  type: 'drop',
  kind: 'transform',
  summary: 'Remove the listed columns.',
  params: {
    type: 'object',
    properties: {
      columns: columnListSchema('Columns to remove. Each must exist.', { minItems: 1 }),
    },
    required: ['columns'],
    additionalProperties: false,
  },
  run(input, ctx) {
    const names = requiredList(ctx, 'columns');
    requireColumns(input, names, stageLabel(ctx));
    return input.drop(names);
  },
};

const rename: TransformStage<{ columns: Record<string, string> }> = {
  type: 'rename',
  kind: 'transform',
  summary: 'Rename columns with an { old: new } map; other columns keep their names and order.',
  params: {
    type: 'object',
    properties: {
      columns: {
        type: 'object',
        additionalProperties: { type: 'string', minLength: 1 },
        description: 'Map of current name to new name, e.g. { "Beak Length (mm)": beak_length }.',
      },
    },
    required: ['columns'],
    additionalProperties: false,
  },
  run(input, ctx) {
    const label = stageLabel(ctx);
    const map = ctx.params.columns;
    if (map === null || typeof map !== 'object' || Array.isArray(map)) {
      throw new Error(`${label}: 'columns' must be a map of old name to new name`);
    }
    const entries = Object.entries(map);
    for (const [from, to] of entries) {
      if (typeof to !== 'string' || to === '') throw new Error(`${label}: new name for '${from}' must be a non-empty string`);
    }
    requireColumns(input, entries.map(([from]) => from), label);

    const newNames = input.names.map((n) => (Object.prototype.hasOwnProperty.call(map, n) ? map[n] : n));
    const seen = new Map<string, string>();
    for (let i = 0; i < newNames.length; i++) {
      const earlier = seen.get(newNames[i]);
      if (earlier !== undefined) {
        throw new Error(
          `${label}: renaming would give two columns named '${newNames[i]}' ` +
            `(from ${formatNames([earlier, input.names[i]])})`,
        );
      }
      seen.set(newNames[i], input.names[i]);
    }
    const cols = input.columns.map((c, i) => (newNames[i] === c.name ? c : renamed(c, newNames[i])));
    return new Table(cols, input.rowCount);
  },
};

export const stages: StageDef[] = [select, drop, rename];

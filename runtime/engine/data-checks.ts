// Data warnings raised by the engine itself after every stage: a column that became
// entirely missing, and numbers that are NaN or infinite without being marked missing
// (a division by zero, a log of a negative). Only columns the stage created or replaced
// are scanned, so a stage that passes columns through costs nothing here.
import type { Table } from '../table/table';
import { missingCount } from '../table/table';

export interface DataWarning {
  code: 'all-missing' | 'non-finite';
  message: string;
}

export function checkOutput(input: Table, output: Table): DataWarning[] {
  const warnings: DataWarning[] = [];
  if (output.rowCount === 0) return warnings;
  for (const col of output.columns) {
    if (input.has(col.name) && input.column(col.name) === col) continue;
    if (missingCount(col) === output.rowCount) {
      warnings.push({ code: 'all-missing', message: `column '${col.name}' is entirely missing` });
      continue;
    }
    if (col.type !== 'number') continue;
    const { values, missing } = col;
    let bad = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // v - v is NaN exactly when v is NaN or ±Infinity.
      if (v - v !== 0 && (missing === null || missing[i] === 0)) bad++;
    }
    if (bad > 0) {
      warnings.push({
        code: 'non-finite',
        message: `column '${col.name}' has ${bad} NaN or infinite value${bad === 1 ? '' : 's'} not marked missing`,
      });
    }
  }
  return warnings;
}

// Data warnings raised by the engine itself after every stage: a column that became
// entirely missing, and numbers that are NaN or infinite without being marked missing
// (a division by zero, a log of a negative). Only columns the stage created or replaced
// are scanned, so a stage that passes columns through costs nothing here, and columns whose
// writer counted as it wrote (the built-in stages, see withCounts) are not read again.
import type { Table } from '../table/table';
import { knownCounts, missingCount } from '../table/table';

export interface DataWarning {
  code: 'all-missing' | 'non-finite';
  message: string;
}

export function checkOutput(input: Table, output: Table): DataWarning[] {
  const warnings: DataWarning[] = [];
  if (output.rowCount === 0) return warnings;
  for (const col of output.columns) {
    if (input.has(col.name) && input.column(col.name) === col) continue;
    // Built-in kernels count while they write a column; only other columns are read again.
    const known = knownCounts(col);
    if ((known?.missing ?? missingCount(col)) === output.rowCount) {
      warnings.push({ code: 'all-missing', message: `column '${col.name}' is entirely missing` });
      continue;
    }
    if (col.type !== 'number') continue;
    const bad = known?.nonFinite ?? unmarkedNonFinite(col.values, col.missing);
    if (bad > 0) {
      warnings.push({
        code: 'non-finite',
        message: `column '${col.name}' has ${bad} NaN or infinite value${bad === 1 ? '' : 's'} not marked missing`,
      });
    }
  }
  return warnings;
}

function unmarkedNonFinite(values: Float64Array, missing: Uint8Array | null): number {
  let bad = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is NaN exactly when v is NaN or ±Infinity.
    if (v - v !== 0 && (missing === null || missing[i] === 0)) bad++;
  }
  return bad;
}

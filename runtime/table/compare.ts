// What changed between a stage's input and its output, for the debugger's
// "changes versus the previous stage" view.
import { type ColumnType, type Table, missingCount } from './table';

export interface TableChanges {
  rowsBefore: number;
  rowsAfter: number;
  rowsDropped: number;
  rowsAdded: number;
  columnsAdded: string[];
  columnsRemoved: string[];
  typesChanged: { name: string; from: ColumnType; to: ColumnType }[];
  /** Columns in both tables whose count of missing cells differs. */
  missingChanged: { name: string; before: number; after: number }[];
}

export function compareTables(before: Table, after: Table): TableChanges {
  const changes: TableChanges = {
    rowsBefore: before.rowCount,
    rowsAfter: after.rowCount,
    rowsDropped: Math.max(0, before.rowCount - after.rowCount),
    rowsAdded: Math.max(0, after.rowCount - before.rowCount),
    columnsAdded: after.names.filter((n) => !before.has(n)),
    columnsRemoved: before.names.filter((n) => !after.has(n)),
    typesChanged: [],
    missingChanged: [],
  };
  for (const a of after.columns) {
    if (!before.has(a.name)) continue;
    const b = before.column(a.name);
    if (b.type !== a.type) changes.typesChanged.push({ name: a.name, from: b.type, to: a.type });
    // Same column object (a pass-through stage) cannot have changed: skip the O(rows) count.
    if (b === a) continue;
    const mb = missingCount(b);
    const ma = missingCount(a);
    if (mb !== ma) changes.missingChanged.push({ name: a.name, before: mb, after: ma });
  }
  return changes;
}

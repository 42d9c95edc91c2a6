// Pages of rows or cells for the debugger's Variables view. Cost is O(count), never
// O(rows): only the requested slots are read, so paging a 10M-row table is instant.
import { type Cell, type Column, type Table, cellOf, columnLength } from './table';

export interface RowPage {
  /** First row actually returned (the request clamped to the table). */
  start: number;
  /** Rows actually returned. */
  count: number;
  /** One array per row, cells in column order. */
  rows: Cell[][];
}

/** Clamp [start, start + count) to [0, length). */
function clampRange(length: number, start: number, count: number): { start: number; count: number } {
  const s = Math.min(Math.max(0, Math.floor(start) || 0), length);
  const c = Math.min(Math.max(0, Math.floor(count) || 0), length - s);
  return { start: s, count: c };
}

export function pageRows(table: Table, start: number, count: number): RowPage {
  const r = clampRange(table.rowCount, start, count);
  const rows: Cell[][] = new Array(r.count);
  for (let i = 0; i < r.count; i++) rows[i] = table.columns.map((c) => cellOf(c, r.start + i));
  return { start: r.start, count: r.count, rows };
}

export function pageColumn(column: Column, start: number, count: number): Cell[] {
  const r = clampRange(columnLength(column), start, count);
  const out: Cell[] = new Array(r.count);
  for (let i = 0; i < r.count; i++) out[i] = cellOf(column, r.start + i);
  return out;
}

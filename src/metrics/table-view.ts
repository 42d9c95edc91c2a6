// A table variable (from the debugger) → the panel's column-stats TableView. The adapter
// shows a table as a variable whose children include its columns, each with stat
// children (type, missing, mean, …); an evaluate result that is JSON with
// `columnSummaries` (the runtime's TableSummary) is used directly. Plain functions:
// the fetching is done by the caller.
import type { TableSummary } from '../../runtime/table/summary';
import type { TableView } from './messages';

export interface VarNode {
  name: string;
  value: string;
  children?: VarNode[];
}

const fmt = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '' : Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(4))));

export function fromSummary(title: string, s: TableSummary): TableView {
  return {
    title,
    shape: `${s.rows.toLocaleString('en-US')} rows × ${s.columns} columns`,
    header: ['column', 'type', 'missing', 'distinct', 'mean', 'std', 'min', 'p50', 'max', 'top values'],
    rows: s.columnSummaries.map((c) => [
      c.name,
      c.type,
      fmt(c.missing),
      fmt(c.distinct),
      fmt(c.mean),
      fmt(c.std),
      fmt(c.min),
      fmt(c.quantiles?.p50),
      fmt(c.max),
      c.top.slice(0, 3).map((t) => `${String(t.value)} (${t.count})`).join(', '),
    ]),
  };
}

export function parseSummary(text: string): TableSummary | undefined {
  try {
    const v = JSON.parse(text) as Partial<TableSummary>;
    return Array.isArray(v.columnSummaries) && typeof v.rows === 'number' ? (v as TableSummary) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Variables tree → grid: the child holding columns (named like "columns"/"summary", or
 * the table itself) gives one row per column, and each column's children give the cells.
 */
export function fromVariables(title: string, value: string, children: VarNode[]): TableView {
  const holder = children.find((c) => /^(columns|summary|column stats)$/i.test(c.name) && c.children?.length) ?? { name: '', value: '', children };
  const columns = (holder.children ?? []).filter((c) => c.children?.length);
  if (columns.length === 0) {
    return { title, shape: value, header: ['name', 'value'], rows: children.map((c) => [c.name, c.value]) };
  }
  const header = ['column'];
  for (const c of columns) for (const stat of c.children!) if (!header.includes(stat.name)) header.push(stat.name);
  return {
    title,
    shape: value,
    header,
    rows: columns.map((c) => [c.name, ...header.slice(1).map((h) => c.children!.find((x) => x.name === h)?.value ?? '')]),
  };
}

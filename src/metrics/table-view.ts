// A table variable (from the debugger) → the panel's column-stats TableView. The adapter
// shows a table as a variable whose `columns` child lists the columns, each with stat
// children (type, missing, mean, …). A plain function: the fetching is done by the caller.
import type { TableView } from './messages';

export interface VarNode {
  name: string;
  value: string;
  children?: VarNode[];
}

/** The Variables view quotes strings (`"number"`); the panel shows the text itself. */
export function unquote(value: string): string {
  if (!/^".*"$/s.test(value)) return value;
  try {
    const v: unknown = JSON.parse(value);
    return typeof v === 'string' ? v : value;
  } catch {
    return value;
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
    return { title, shape: value, header: ['name', 'value'], rows: children.map((c) => [c.name, unquote(c.value)]) };
  }
  const header = ['column'];
  for (const c of columns) for (const stat of c.children!) if (!header.includes(stat.name)) header.push(stat.name);
  return {
    title,
    shape: value,
    header,
    rows: columns.map((c) => [c.name, ...header.slice(1).map((h) => unquote(c.children!.find((x) => x.name === h)?.value ?? ''))]),
  };
}

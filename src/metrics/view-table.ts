// "View in panel" on a table in the Variables view: reads the table's `columns` node
// through the session's `variables` requests (one for the table, one for its columns,
// one per column for its statistics — never the paged `rows`) and shows the column
// statistics in the metrics panel.
import type * as vscode from 'vscode';
import type { TableView } from './messages';
import { fromVariables, type VarNode } from './table-view';

/** What VS Code passes to a debug/variables/context command. */
export interface VariableContextArg {
  sessionId?: string;
  container?: unknown;
  variable: { name: string; value: string; evaluateName?: string; variablesReference: number };
}

interface DapVariable {
  name: string;
  value: string;
  variablesReference: number;
}

type Session = Pick<vscode.DebugSession, 'customRequest'>;

const MAX_COLUMNS = 200;

async function list(session: Session, ref: number): Promise<DapVariable[]> {
  if (ref <= 0) return [];
  const r = (await session.customRequest('variables', { variablesReference: ref, start: 0, count: MAX_COLUMNS })) as { variables?: DapVariable[] };
  return (r.variables ?? []).slice(0, MAX_COLUMNS);
}

export async function fetchTableView(session: Session, arg: VariableContextArg): Promise<TableView> {
  const { variable } = arg;
  const title = variable.evaluateName ?? variable.name;
  const parts = await list(session, variable.variablesReference);
  const columns = parts.find((v) => v.name === 'columns');
  if (!columns) return fromVariables(title, variable.value, parts.map((v) => ({ name: v.name, value: v.value })));
  const perColumn = await Promise.all(
    (await list(session, columns.variablesReference)).map(async (c): Promise<VarNode> => ({
      name: c.name,
      value: c.value,
      children: (await list(session, c.variablesReference)).map((s) => ({ name: s.name, value: s.value })),
    })),
  );
  return fromVariables(title, variable.value, [{ name: 'columns', value: columns.value, children: perColumn }]);
}

// "View in panel" on a table in the Variables view: reads the table's `columns` node
// through the session's `variables` requests (one for the table, one for its columns,
// one per column for its statistics, one per lazy statistic — never the paged `rows`) and
// shows the column statistics in the metrics panel.
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
  presentationHint?: { lazy?: boolean };
}

type Session = Pick<vscode.DebugSession, 'customRequest'>;

const MAX_COLUMNS = 200;

async function list(session: Session, ref: number): Promise<DapVariable[]> {
  if (ref <= 0) return [];
  const r = (await session.customRequest('variables', { variablesReference: ref, start: 0, count: MAX_COLUMNS })) as { variables?: DapVariable[] };
  return (r.variables ?? []).slice(0, MAX_COLUMNS);
}

/**
 * A statistic's value; a lazy one (a long column the background had not summarised yet)
 * is computed now, as a click in the Variables view would: the panel shows every value.
 */
async function resolved(session: Session, v: DapVariable): Promise<string> {
  if (!v.presentationHint?.lazy) return v.value;
  const [value] = await list(session, v.variablesReference);
  return value?.value ?? v.value;
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
      children: await Promise.all((await list(session, c.variablesReference)).map(async (s) => ({ name: s.name, value: await resolved(session, s) }))),
    })),
  );
  return fromVariables(title, variable.value, [{ name: 'columns', value: columns.value, children: perColumn }]);
}

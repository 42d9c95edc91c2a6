// "View in panel" on a table in the Variables view: asks the debug session for the
// table (an evaluate with its evaluateName, else its children through `variables`) and
// shows its column statistics in the metrics panel.
import * as vscode from 'vscode';
import type { TableView } from './messages';
import { fromSummary, fromVariables, parseSummary, type VarNode } from './table-view';

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

const MAX_COLUMNS = 200;

async function children(session: vscode.DebugSession, ref: number, depth: number): Promise<VarNode[]> {
  if (ref <= 0) return [];
  const r = (await session.customRequest('variables', { variablesReference: ref, start: 0, count: MAX_COLUMNS })) as { variables?: DapVariable[] };
  const vars = (r.variables ?? []).slice(0, MAX_COLUMNS);
  return Promise.all(vars.map(async (v) => ({ name: v.name, value: v.value, children: depth > 0 ? await children(session, v.variablesReference, depth - 1) : undefined })));
}

export async function fetchTableView(session: vscode.DebugSession, arg: VariableContextArg): Promise<TableView> {
  const { variable } = arg;
  const title = variable.evaluateName ?? variable.name;
  if (variable.evaluateName) {
    try {
      const frameId = vscode.debug.activeStackItem instanceof vscode.DebugStackFrame ? vscode.debug.activeStackItem.frameId : undefined;
      const r = (await session.customRequest('evaluate', { expression: variable.evaluateName, context: 'clipboard', frameId })) as { result?: string };
      const summary = r.result ? parseSummary(r.result) : undefined;
      if (summary) return fromSummary(title, summary);
    } catch {
      // Not every session evaluates in clipboard context; the variables tree still works.
    }
  }
  return fromVariables(title, variable.value, await children(session, variable.variablesReference, 2));
}

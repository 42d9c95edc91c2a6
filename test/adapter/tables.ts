// Finding a table's parts in the Variables tree, wherever a scope puts the table.
import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { vars, type Session } from './helpers';

/** shape / columns / rows of the table a scope shows (the scope itself, or its first Table child). */
export async function tableParts(s: Session, scopeRef: number): Promise<DebugProtocol.Variable[]> {
  const top = await vars(s, scopeRef);
  if (top.some((v) => v.name === 'rows')) return top;
  const table = top.find((v) => v.type === 'Table');
  assert.ok(table, `no table among ${top.map((v) => `${v.name}: ${v.type}`).join(', ')}`);
  return vars(s, table.variablesReference);
}

/** The `rows` node of the table a scope shows (the scope itself, or its first Table child). */
export async function tableRows(s: Session, scopeRef: number): Promise<DebugProtocol.Variable> {
  const rows = (await tableParts(s, scopeRef)).find((v) => v.name === 'rows');
  assert.ok(rows, 'the table has no rows node');
  return rows;
}

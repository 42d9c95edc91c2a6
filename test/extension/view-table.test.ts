// "View in panel" against the real adapter (dist/adapter.js, through DebugClient): the
// table at a breakpoint becomes the panel's column grid in a few requests — the paged
// rows are never walked — with plain cell text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launch, scopesByName, sessionPerTest, topFrame, vars, type Fixtures, type Session } from '../adapter/helpers';
import { fetchTableView } from '../../src/metrics/view-table';

describe('view in panel', () => {
  let fx: Fixtures;
  let s: Session;
  sessionPerTest((f, session) => {
    fx = f;
    s = session;
  });

  it('builds the column statistics of a 40-row table from its columns node alone', async () => {
    await launch(s, { pipeline: fx.file('basic.pipeline.yaml'), store: fx.file('.plumb'), stopAfterStage: 'impute' });
    await s.nextStop();
    const frame = await topFrame(s);
    const input = await vars(s, (await scopesByName(s, frame.id)).get('Input')!.variablesReference);
    const table = input.find((v) => (v as { __vscodeVariableMenuContext?: string }).__vscodeVariableMenuContext === 'plumbTable');
    assert.ok(table, `a table with the View in panel menu among ${input.map((v) => v.name).join(', ')}`);
    assert.equal(table.value, '40 rows × 4 columns');

    // The session as the extension sees it: customRequest answers with the response body.
    const requests: { command: string; args: unknown }[] = [];
    const session = {
      customRequest: async (command: string, args?: unknown) => {
        requests.push({ command, args });
        return (await s.dc.customRequest(command, args)).body as unknown;
      },
    };
    const view = await fetchTableView(session, { variable: { name: table.name, value: table.value, evaluateName: table.evaluateName, variablesReference: table.variablesReference } });

    assert.equal(view.shape, '40 rows × 4 columns');
    assert.deepEqual(view.header.slice(0, 4), ['column', 'type', 'missing', 'distinct']);
    assert.deepEqual(view.rows.map((r) => r[0]), ['x', 'y', 'plan', 'label']);
    const cell = (column: string, stat: string) => view.rows.find((r) => r[0] === column)![view.header.indexOf(stat)];
    // Types as text, not as the quoted strings the Variables view shows.
    assert.equal(cell('x', 'type'), 'number');
    assert.equal(cell('plan', 'type'), 'category');
    assert.match(cell('x', 'mean'), /^-?\d/);
    // The table, its columns, one per column: 2 + 4 requests, all `variables`, none for rows.
    assert.equal(requests.length, 6, JSON.stringify(requests));
    assert.ok(requests.every((r) => r.command === 'variables'));
    const rowsRef = (await vars(s, table.variablesReference)).find((v: DebugProtocol.Variable) => v.name === 'rows')!.variablesReference;
    assert.ok(!requests.some((r) => (r.args as { variablesReference: number }).variablesReference === rowsRef), 'the rows node is not read');
  });
});

it('view in panel computes the lazy statistics of a long column (as a click would)', async () => {
  // The Variables-view nodes of a table whose 10M-row column was not summarised yet.
  const nodes: Record<number, unknown[]> = {
    1: [{ name: 'columns', value: '1 columns', variablesReference: 2 }],
    2: [{ name: 'x', value: 'number · expand for statistics', variablesReference: 3 }],
    3: [
      { name: 'type', value: '"number"', variablesReference: 0 },
      { name: 'missing', value: '0', variablesReference: 0 },
      { name: 'mean', value: 'computed when shown', variablesReference: 4, presentationHint: { lazy: true } },
    ],
    4: [{ name: 'mean', value: '4999999.5', variablesReference: 0 }],
  };
  const asked: number[] = [];
  const session = {
    customRequest: async (_command: string, args?: unknown) => {
      const ref = (args as { variablesReference: number }).variablesReference;
      asked.push(ref);
      return { variables: nodes[ref] };
    },
  };
  const view = await fetchTableView(session, { variable: { name: 'input', value: '10000000 rows × 1 columns', variablesReference: 1 } });
  assert.deepEqual(view.rows, [['x', 'number', '0', '4999999.5']]);
  assert.deepEqual(asked.sort(), [1, 2, 3, 4]);
});

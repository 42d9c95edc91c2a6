// The metrics panel host fed a real run's plumb/monitor events: throttled live records
// while it runs, the final one at its end, then the history with the saved run; and a
// session that ends without 'run-end'.
import './use-vscode-stub';
import { test, beforeEach, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { created, debugEvents, reset, type OutputChannelStub, type WebviewPanelStub } from './vscode-stub';
import { MetricsPanel } from '../../src/metrics/panel';
import { MonitorEvents } from '../../src/shared/monitor-events';
import { recordRun, talkWorkspace, until } from './run-events';
import { ROOT } from './activate';
import * as vscode from 'vscode';
import type { EngineEvent } from '../../runtime/engine/events';
import type { RunRecord } from '../../runtime/monitor/record';
import type { HostMessage } from '../../src/metrics/messages';
import type { Workspace } from '../engine/fixture';

let ws: Workspace;
/** Two runs: the first is history already, the second is fed live. */
let first: EngineEvent[];
let second: EngineEvent[];
before(async () => {
  ws = talkWorkspace();
  first = await recordRun(ws);
  second = await recordRun(ws);
});
after(() => ws?.cleanup());
beforeEach(reset);

const messages = (p: WebviewPanelStub) => p.posted as HostMessage[];
const lives = (p: WebviewPanelStub) => messages(p).filter((m): m is { type: 'live'; run: RunRecord } => m.type === 'live');
const histories = (p: WebviewPanelStub) => messages(p).filter((m): m is Extract<HostMessage, { type: 'history' }> => m.type === 'history');

async function until_(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function openPanel(): Promise<{ metrics: MetricsPanel; panel: WebviewPanelStub; log: OutputChannelStub }> {
  const log = vscode.window.createOutputChannel('Plumb', { log: true }) as unknown as OutputChannelStub;
  const metrics = new MetricsPanel(vscode.Uri.file(ROOT), log as never);
  await metrics.show(ws.file);
  const panel = created.webviewPanels[0];
  assert.ok(panel.webview.html.includes('Content-Security-Policy'));
  await until_(() => histories(panel).length === 1, 'the first history');
  return { metrics, panel, log };
}

test('live records while a real run goes, the final one at its end, then the history with it', async () => {
  const { metrics, panel, log } = await openPanel();
  assert.deepEqual(histories(panel)[0].runs.map((r) => r.runId), [first[0].runId, second[0].runId]);

  const runId = second[0].runId;
  const part = until(second, 'stage-start', 'scale');
  for (const e of part) metrics.handle(e);
  await until_(() => lives(panel).length > 0, 'a live record');
  const live = lives(panel)[0].run;
  assert.equal(live.runId, runId);
  assert.equal(live.status, 'running');
  assert.deepEqual(live.stages.filter((s) => s.status === 'ok').map((s) => s.stage), ['impute', 'talk']);
  assert.equal(live.stages.find((s) => s.stage === 'talk')?.warnings, 1);

  const before = panel.posted.length;
  for (const e of second.slice(part.length)) metrics.handle(e);
  // The end is sent at once, not after the throttle.
  const final = lives(panel).at(-1)!.run;
  assert.equal(panel.posted.length, before + 1);
  assert.equal(final.status, 'ok');
  assert.equal(final.stages.find((s) => s.stage === 'fit')?.metrics.loss?.length, 40);
  assert.equal(final.version, 2);

  // Then the history, read back from the store.
  await until_(() => histories(panel).length === 2, 'the history after the run');
  const history = histories(panel)[1];
  assert.equal(history.pipeline, 'toy');
  assert.equal(history.runs.at(-1)?.runId, runId);
  assert.deepEqual(history.versions.map((v) => v.version), [1, 2]);
  assert.equal(messages(panel).indexOf(history) > messages(panel).lastIndexOf(lives(panel).at(-1)!), true, 'history after the last live record');
  assert.deepEqual(log.lines, []);
  metrics.dispose();
});

test('a session that ends without run-end: the live run is cancelled and no longer held as running', async () => {
  const { metrics, panel } = await openPanel();
  const events = new MonitorEvents();
  events.onEvent(({ event }) => metrics.handle(event));
  const session = { id: 'cut', type: 'plumb', configuration: {} };
  for (const e of until(second, 'stage-end', 'fit')) debugEvents.custom.fire({ session, event: 'plumb/monitor', body: e });
  debugEvents.terminate.fire(session);

  const final = lives(panel).at(-1)!.run;
  assert.equal(final.status, 'cancelled');
  assert.equal(final.stages.find((s) => s.stage === 'fit')?.status, 'skipped');
  assert.ok(final.durationMs !== undefined && final.durationMs >= 0);

  // No longer a live run: the page picking it gets the record from the store (a live run
  // would be skipped, its record coming with the live updates).
  panel.receive({ type: 'selected', runId: second[0].runId });
  await until_(() => messages(panel).some((m) => m.type === 'run'), 'the saved record');
  events.dispose();
  metrics.dispose();
});

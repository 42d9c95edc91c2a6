// The run UI (status bar, inline results, metrics panel, output channel) over real run
// events, and what it does when a debug session ends without the run's 'run-end'.
import './use-vscode-stub';
import { test, beforeEach, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { created, debugEvents, registered, reset, state, Uri } from './vscode-stub';
import { RunStatusText } from '../../src/shared/run-status';
import { RunResults } from '../../src/editor/run-results';
import { activated, dispose, fakeEditor } from './activate';
import { recordRun, talkWorkspace, until } from './run-events';
import type { EngineEvent } from '../../runtime/engine/events';
import type { RunRecord } from '../../runtime/monitor/record';
import type { Workspace } from '../engine/fixture';

let ws: Workspace;
let events: EngineEvent[];
before(async () => {
  ws = talkWorkspace();
  events = await recordRun(ws);
});
after(() => ws?.cleanup());
beforeEach(reset);

const session = (id: string) => ({ id, type: 'plumb', name: 'Debug toy', configuration: {} });
const send = (id: string, list: EngineEvent[]) => list.forEach((e) => debugEvents.custom.fire({ session: session(id), event: 'plumb/monitor', body: e }));
const lineOf = (text: string) => fs.readFileSync(ws.file, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

test('a stopped session clears the status bar, marks unfinished stages and ends the panel’s live run', async () => {
  const context = activated();
  const editor = fakeEditor(ws.file, fs.readFileSync(ws.file, 'utf8'));
  state.visibleTextEditors = [editor];
  await registered.get('plumb.showMetrics')!(Uri.file(ws.file));
  const panel = created.webviewPanels[0];
  assert.ok(panel, 'the metrics panel is open');

  // The session runs up to stage 'scale' and is stopped there: no run-end ever comes.
  const cut = until(events, 'stage-end', 'scale');
  send('s1', cut);
  const status = created.statusBarItems[0];
  assert.equal(status.visible, true);
  assert.match(status.text, /toy: scale 3\/7/);
  assert.deepEqual(editor.shown()['descriptionForeground'], [`${lineOf('stage: scale')}: ⋯ running`]);

  // Another debug session (not Plumb) ending changes nothing.
  debugEvents.terminate.fire({ id: 'n1', type: 'node', configuration: {} });
  assert.equal(status.visible, true);

  debugEvents.terminate.fire(session('s1'));
  assert.equal(status.visible, false, 'the status bar item is hidden');
  const shown = editor.shown();
  assert.equal(shown['descriptionForeground'], undefined, 'nothing is shown as running any more');
  assert.ok(shown['errorForeground'].includes(`${lineOf('stage: scale')}: ✗ cancelled`), JSON.stringify(shown));
  assert.ok(shown['testing.iconPassed'].some((l) => l.startsWith(`${lineOf('stage: talk')}: ✓`)), 'finished stages keep their result');

  // The panel's last live record says the run was cancelled, and why.
  const lives = panel.posted.filter((m): m is { type: 'live'; run: RunRecord } => (m as { type: string }).type === 'live');
  const last = lives.at(-1)!.run;
  assert.equal(last.status, 'cancelled');
  assert.match(last.error?.message ?? '', /debug session ended/);
  assert.equal(last.stages.find((s) => s.stage === 'scale')?.status, 'skipped');
  assert.equal(last.stages.find((s) => s.stage === 'talk')?.status, 'ok');
  const log = created.outputChannels[0].lines;
  assert.ok(log.some((l) => /^\[info\] run \S+ cancelled: the debug session ended/.test(l)), log.join('\n'));

  // A late event of the ended session does not bring the run back.
  const posts = panel.posted.length;
  send('s1', events.slice(cut.length));
  assert.equal(status.visible, false);
  assert.equal(editor.shown()['descriptionForeground'], undefined);
  assert.equal(panel.posted.filter((m) => (m as { type: string }).type === 'live').length, lives.length);
  assert.ok(panel.posted.length >= posts);
  dispose(context);
});

test('a session that ends after its run-end gets no second ending', () => {
  const context = activated();
  send('s2', events);
  debugEvents.terminate.fire(session('s2'));
  const log = created.outputChannels[0].lines.filter((l) => l.startsWith('[info] run '));
  assert.deepEqual(log, [`[info] run ${events[0].runId} ok`]);
  dispose(context);
});

test('status text follows the newest run; an older run’s events do not change or end it', () => {
  const s = new RunStatusText();
  const first = until(events, 'stage-start', 'talk');
  first.forEach((e) => s.apply(e));
  assert.ok(s.running);
  assert.equal(s.text, 'toy: impute done 1/7', 'paused between stages: the last stage is shown as done');
  // A second run starts (another session); then the first one's end arrives.
  const second = events.map((e) => ({ ...e, runId: 'second' }) as EngineEvent);
  until(second, 'stage-start', 'scale').forEach((e) => s.apply(e));
  assert.equal(s.text, 'toy: talk done 2/7');
  s.apply({ type: 'run-end', runId: events[0].runId, time: 0, durationMs: 1, status: 'cancelled' });
  assert.ok(s.running, 'the newer run still runs');
  s.apply({ ...(events.at(-1) as EngineEvent), runId: 'second' });
  assert.equal(s.running, false);
});

test('inline results: a run cut short marks its running stage and keeps the finished ones', () => {
  const r = new RunResults();
  until(events, 'stage-end', 'scale').forEach((e) => r.apply(e));
  assert.deepEqual(r.resultsFor(ws.file).map((x) => [x.stage, x.kind]), [['impute', 'ok'], ['talk', 'ok'], ['scale', 'running']]);
  assert.deepEqual(r.apply({ type: 'run-end', runId: events[0].runId, time: 0, durationMs: 1, status: 'cancelled' }), [ws.file]);
  assert.deepEqual(r.resultsFor(ws.file).map((x) => [x.stage, x.kind, x.text.slice(0, 1)]), [['impute', 'ok', '✓'], ['talk', 'ok', '✓'], ['scale', 'error', '✗']]);
});

test('status text: a running stage, then the same stage done while paused before the next', () => {
  const s = new RunStatusText();
  until(events, 'stage-end', 'talk').forEach((e) => s.apply(e));
  assert.equal(s.text, 'toy: talk 2/7', 'talk started and has not ended');
  s.apply(events.find((e) => e.type === 'stage-end' && e.ref.stage === 'talk') as EngineEvent);
  assert.equal(s.text, 'toy: talk done 2/7');
});

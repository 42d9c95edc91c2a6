// activate() under the vscode stand-in: what it registers, CodeLens in Restricted Mode,
// completions, which debug events reach the UI, and what the output channel says.
import './use-vscode-stub';
import { test, beforeEach, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calls, created, debugEvents, DebugConfigurationProviderTriggerKind, CompletionItemKind, Position, providers, registered, reset, state, Uri, type CodeLens, type CompletionItem } from './vscode-stub';
import { MonitorEvents, type MonitorMessage } from '../../src/shared/monitor-events';
import { activated, dispose, ROOT } from './activate';
import { recordRun, talkWorkspace } from './run-events';
import type { EngineEvent } from '../../runtime/engine/events';
import type { Workspace } from '../engine/fixture';

const plumbSession = (id = 's1') => ({ id, type: 'plumb', name: 'Debug toy', configuration: {} });

let ws: Workspace;
let events: EngineEvent[];
before(async () => {
  ws = talkWorkspace();
  events = await recordRun(ws);
});
after(() => ws?.cleanup());
beforeEach(reset);

test('activate registers every contributed command, the language features and the debug providers', () => {
  const context = activated();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
  assert.deepEqual([...registered.keys()].sort(), pkg.contributes.commands.map((c) => c.command).sort());
  for (const kind of ['completion', 'hover', 'codeLens'] as const) {
    assert.deepEqual(providers[kind].map((p) => p.selector), [{ language: 'plumb-pipeline' }], kind);
  }
  assert.deepEqual(providers.debugConfiguration.map((p) => [p.selector, p.extra]), [
    ['plumb', undefined],
    ['plumb', DebugConfigurationProviderTriggerKind.Dynamic],
  ]);
  assert.deepEqual(providers.debugAdapterFactory.map((p) => p.selector), ['plumb']);
  assert.deepEqual(created.outputChannels.map((c) => c.name), ['Plumb']);
  assert.equal(created.statusBarItems.length, 1);
  assert.equal(created.statusBarItems[0].visible, false, 'no run, no status bar item');

  // Everything it made is in the subscriptions: disposing them unregisters it all.
  dispose(context);
  assert.equal(registered.size, 0);
  for (const kind of ['completion', 'hover', 'codeLens', 'debugConfiguration', 'debugAdapterFactory'] as const) assert.equal(providers[kind].length, 0, kind);
});

test('CodeLenses above each stage when trusted, none in Restricted Mode', () => {
  const context = activated();
  const lens = providers.codeLens[0].provider as { provideCodeLenses(doc: unknown): CodeLens[] };
  const doc = { uri: Uri.file(ws.file), getText: () => fs.readFileSync(ws.file, 'utf8') };
  const lenses = lens.provideCodeLenses(doc);
  // Two lenses for each of the 8 stages (feature 4, training 3, inference 1).
  assert.equal(lenses.length, 2 * 8);
  assert.ok(lenses.every((l) => l.command?.command === 'plumb.startFromLens' && (l.command.arguments?.[0] as Uri).fsPath === ws.file));
  assert.deepEqual(lenses.slice(0, 2).map((l) => l.command?.title), ['▶ Run to here', 'Debug from here']);
  state.isTrusted = false;
  assert.deepEqual(lens.provideCodeLenses(doc), []);
  dispose(context);
});

test('completions for uses: come back as VS Code items of the right kind', async () => {
  const context = activated();
  const completion = providers.completion[0].provider as { provideCompletionItems(doc: unknown, pos: Position): Promise<CompletionItem[]> };
  const text = 'pipeline: t\nfeature:\n  - stage: a\n    uses: \n';
  const items = await completion.provideCompletionItems({ uri: Uri.file(path.join(ws.dir, 'x.pipeline.yaml')), getText: () => text }, new Position(3, 10));
  const impute = items.find((i) => i.label === 'impute');
  assert.ok(impute, `impute among ${items.map((i) => i.label).join(', ')}`);
  assert.equal(impute.kind, CompletionItemKind.Function);
  assert.ok(items.some((i) => i.label === './stages/talk.js' && i.kind === CompletionItemKind.File), 'the local stage module is offered as a file');
  dispose(context);
});

test('MonitorEvents passes only plumb sessions’ plumb/monitor events with an engine event body', () => {
  const monitor = new MonitorEvents();
  const got: MonitorMessage[] = [];
  monitor.onEvent((m) => got.push(m));
  const start = events[0];
  debugEvents.custom.fire({ session: plumbSession(), event: 'plumb/monitor', body: start });
  debugEvents.custom.fire({ session: { id: 'n', type: 'node', configuration: {} }, event: 'plumb/monitor', body: start });
  debugEvents.custom.fire({ session: plumbSession(), event: 'plumb/other', body: start });
  debugEvents.custom.fire({ session: plumbSession(), event: 'plumb/monitor', body: { type: 'run-start' } });
  debugEvents.custom.fire({ session: plumbSession(), event: 'plumb/monitor', body: 'run-start' });
  assert.deepEqual(got.map((m) => [m.session.id, m.event.type]), [['s1', 'run-start']]);
  monitor.dispose();
  debugEvents.custom.fire({ session: plumbSession(), event: 'plumb/monitor', body: start });
  assert.equal(got.length, 1, 'nothing after dispose');
});

test('the output channel gets the stage logs, warnings and the run-end line of a real run', () => {
  const context = activated();
  for (const e of events) debugEvents.custom.fire({ session: plumbSession(), event: 'plumb/monitor', body: e });
  const lines = created.outputChannels[0].lines;
  const end = events.at(-1) as Extract<EngineEvent, { type: 'run-end' }>;
  assert.ok(lines.includes('[info] talk: talk saw 200 rows'), lines.join('\n'));
  assert.ok(lines.includes('[warning] talk: 2 rows look odd'), lines.join('\n'));
  assert.ok(lines.includes(`[info] run ${end.runId} ok`), lines.join('\n'));
  // A run-end line for every run, and only one.
  assert.equal(lines.filter((l) => l.startsWith('[info] run ')).length, 1);
  assert.deepEqual(calls.errors, []);
  dispose(context);
});

test('commands refuse in Restricted Mode and without a pipeline file, with a message', async () => {
  const context = activated();
  state.isTrusted = false;
  await registered.get('plumb.debugPipeline')!(Uri.file(ws.file));
  state.isTrusted = true;
  await registered.get('plumb.runPipeline')!();
  assert.equal(calls.startDebugging.length, 0);
  assert.equal(calls.errors.length, 2);
  assert.match(calls.errors[0], /Restricted Mode/);
  assert.match(calls.errors[1], /open a \*\.pipeline\.yaml/);
  await registered.get('plumb.runPipeline')!(Uri.file(ws.file));
  assert.deepEqual((calls.startDebugging[0] as { config: { pipeline: string; noDebug: boolean } }).config.noDebug, true);
  assert.ok(created.outputChannels[0].lines.includes(`[info] run ${ws.file}`));
  dispose(context);
});

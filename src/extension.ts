// Activation: wires the pieces together, nothing else.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PlumbConfigurationProvider, DEBUG_TYPE, UNTRUSTED_MESSAGE, NO_PIPELINE_MESSAGE } from './debug/config-provider';
import { PlumbAdapterFactory } from './debug/descriptor-factory';
import { RunDecorations } from './editor/decorations';
import { PipelineDiagnostics } from './editor/diagnostics';
import { InspectClient } from './editor/inspect-client';
import { CatalogCache, registerEditorProviders } from './editor/providers';
import type { LaunchOverrides } from './editor/lenses';
import { MetricsPanel } from './metrics/panel';
import { fetchTableView, type VariableContextArg } from './metrics/view-table';
import { startPipeline } from './shared/launch';
import { MonitorEvents } from './shared/monitor-events';
import { isPipelineDocument } from './shared/pipeline-files';
import { RunStatusBar } from './shared/run-status';
import { registerVersionExplorer } from './versions/view';

function pipelineFileFrom(uri: unknown): string | undefined {
  if (uri instanceof vscode.Uri) return uri.fsPath;
  const doc = vscode.window.activeTextEditor?.document;
  return doc && isPipelineDocument(doc) ? doc.uri.fsPath : undefined;
}

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Plumb', { log: true });
  const monitor = new MonitorEvents();
  const decorations = new RunDecorations();
  const status = new RunStatusBar();
  const metrics = new MetricsPanel(context.extensionUri, log);
  // Loads user stage modules for the checks and hovers in a child process; ended on deactivate.
  const inspector = new InspectClient({ hostPath: path.join(context.extensionPath, 'dist', 'inspect-host.js') });
  const catalogs = new CatalogCache(undefined, inspector);

  monitor.onEvent(({ session, event }) => {
    decorations.handle(event);
    status.handle(event);
    metrics.handle(event, typeof session.configuration.store === 'string' ? session.configuration.store : undefined);
    if (event.type === 'run-end') log.info(`run ${event.runId} ${event.status}${event.error ? `: ${event.error.message}` : ''}`);
    if (event.type === 'warning') log.warn(`${event.ref ? `${event.ref.stage}: ` : ''}${event.message}`);
    if (event.type === 'log') log.info(`${event.ref ? `${event.ref.stage}: ` : ''}${event.message}`);
  });

  const start = async (uri: unknown, opts: Parameters<typeof startPipeline>[1]) => {
    if (!vscode.workspace.isTrusted) return void vscode.window.showErrorMessage(UNTRUSTED_MESSAGE);
    const file = pipelineFileFrom(uri);
    if (!file) return void vscode.window.showErrorMessage(NO_PIPELINE_MESSAGE);
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === file);
    if (editor?.document.isDirty) await editor.document.save();
    log.info(`${opts?.noDebug ? 'run' : 'debug'} ${file}${opts?.mode ? ` (${opts.mode})` : ''}`);
    await startPipeline(file, opts);
  };

  context.subscriptions.push(
    log,
    monitor,
    decorations,
    status,
    metrics,
    new PipelineDiagnostics(undefined, inspector),
    inspector,
    ...registerEditorProviders(catalogs),
    ...registerVersionExplorer(log),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new PlumbConfigurationProvider()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new PlumbConfigurationProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new PlumbAdapterFactory(context.extensionPath)),
    vscode.commands.registerCommand('plumb.debugPipeline', (uri?: vscode.Uri) => start(uri, {})),
    vscode.commands.registerCommand('plumb.runPipeline', (uri?: vscode.Uri) => start(uri, { noDebug: true })),
    vscode.commands.registerCommand('plumb.startFromLens', (uri: vscode.Uri, launch: LaunchOverrides) => start(uri, launch)),
    vscode.commands.registerCommand('plumb.showMetrics', (uri?: vscode.Uri) => metrics.show(pipelineFileFrom(uri))),
    vscode.commands.registerCommand('plumb.viewTableInPanel', async (arg: VariableContextArg) => {
      const session = vscode.debug.activeDebugSession;
      if (!session || session.type !== DEBUG_TYPE) return void vscode.window.showErrorMessage('Plumb: no Plumb debug session is active.');
      try {
        await metrics.showTable(await fetchTableView(session, arg));
      } catch (e) {
        void vscode.window.showErrorMessage(`Plumb: cannot fetch ${arg.variable.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  );
}

export function deactivate(): void {}

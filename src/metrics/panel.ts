// The metrics panel host: one webview panel, fed with saved run records and versions
// from the store and, while a session runs, live records built from 'plumb/monitor'
// events (the runtime's own Monitor, so the live view equals what gets saved).
//
// Saved runs go to the page as summaries, with full records only for the newest and the
// selected run; picking another run in the page asks for its record ('selected' → 'run').
// A thousand full records were a 16 MB message whose structured clone took most of the
// panel's first paint.
//
// State across hide/show: the page keeps its data in getState/setState rather than
// retainContextWhenHidden, which would keep a whole hidden renderer alive; redrawing a
// few charts from saved state when the panel comes back is cheap.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineEvent } from '../../runtime/engine/events';
import { Monitor } from '../../runtime/monitor/monitor';
import { Store } from '../../runtime/store/store';
import { outlinePipeline } from '../editor/outline';
import { metricsHtml } from './html';
import { historyMessage, isPageMessage, isRunRecord, type HostMessage, type TableView } from './messages';

const LIVE_INTERVAL_MS = 250;


export class MetricsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private pipeline: { name: string; store: string } | undefined;
  private readonly monitors = new Map<string, Monitor>();
  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  private historyTimer: ReturnType<typeof setTimeout> | undefined;
  private liveRunId: string | undefined;
  private pendingTable: TableView | undefined;
  /** The run the user picked in the page, if any: its full record goes with the history. */
  private selectedRunId: string | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.OutputChannel,
  ) {}

  /** Opens (or reveals) the panel on a pipeline file's history. */
  async show(file?: string): Promise<void> {
    if (file) await this.usePipelineFile(file);
    if (!this.panel) this.create();
    else this.panel.reveal(undefined, true);
    await this.sendHistory();
  }

  async showTable(table: TableView): Promise<void> {
    this.pendingTable = table;
    if (!this.panel) this.create();
    else this.panel.reveal(undefined, true);
    this.post({ type: 'table', table });
  }

  /** A monitor event from a debug session. */
  handle(e: EngineEvent, store?: string): void {
    let monitor = this.monitors.get(e.runId);
    if (e.type === 'run-start') {
      monitor = new Monitor();
      this.monitors.set(e.runId, monitor);
      this.liveRunId = e.runId;
      void this.usePipelineFile(e.file, store);
    }
    if (!monitor) return;
    monitor.handle(e);
    if (e.type === 'run-end') {
      this.flushLive();
      this.monitors.delete(e.runId);
      // The session saved its run record: pick it up (and any new version).
      clearTimeout(this.historyTimer);
      this.historyTimer = setTimeout(() => void this.sendHistory(), 300);
      return;
    }
    if (e.runId === this.liveRunId && !this.liveTimer) this.liveTimer = setTimeout(() => this.flushLive(), LIVE_INTERVAL_MS);
  }

  private flushLive(): void {
    clearTimeout(this.liveTimer);
    this.liveTimer = undefined;
    const m = this.liveRunId ? this.monitors.get(this.liveRunId) : undefined;
    if (m) this.post({ type: 'live', run: m.toJSON() });
  }

  private async usePipelineFile(file: string, storeOverride?: string): Promise<void> {
    try {
      const outline = outlinePipeline(await vscode.workspace.fs.readFile(vscode.Uri.file(file)).then((b) => Buffer.from(b).toString('utf8')));
      if (!outline.name) return;
      const setting = vscode.workspace.getConfiguration('plumb').get<string>('store');
      const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(file);
      const store = storeOverride ?? (setting ? path.resolve(base, setting) : path.resolve(path.dirname(file), outline.store ?? '.plumb'));
      if (this.pipeline?.name !== outline.name || this.pipeline.store !== store) this.selectedRunId = undefined;
      this.pipeline = { name: outline.name, store };
    } catch (e) {
      this.log.appendLine(`[metrics] cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async sendHistory(): Promise<void> {
    if (!this.pipeline || !this.panel) return;
    const { name, store: root } = this.pipeline;
    try {
      const store = new Store(root);
      const [runs, versions] = await Promise.all([store.listRuns(name, { skipDamaged: true }), store.listVersions(name, { skipDamaged: true })]);
      const records = (runs as unknown[]).filter(isRunRecord).sort((a, b) => a.start - b.start);
      const points = versions.map((v) => ({ version: v.version, time: v.time, metrics: v.metrics, aliases: v.aliases ?? [] }));
      this.post(historyMessage(name, records, points, this.selectedRunId));
    } catch (e) {
      this.post({ type: 'error', message: `Cannot read the store at ${root}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** The full record of a saved run the page selected (a live run's record is sent anyway). */
  private async sendRun(runId: string): Promise<void> {
    if (!this.pipeline || !this.panel || this.monitors.has(runId)) return;
    const { name, store: root } = this.pipeline;
    try {
      const record: unknown = await new Store(root).getRun(name, runId);
      if (isRunRecord(record)) this.post({ type: 'run', run: record });
    } catch (e) {
      // Deleted since the list was sent, or damaged: the page keeps showing its summary.
      this.log.appendLine(`[metrics] cannot read run ${runId}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private create(): void {
    const media = vscode.Uri.joinPath(this.extensionUri, 'dist', 'media');
    const panel = vscode.window.createWebviewPanel('plumb.metrics', 'Plumb Metrics', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [media],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'plumb.svg');
    panel.webview.html = metricsHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'metrics.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'metrics.css')).toString(),
    });
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (!isPageMessage(m)) return;
      if (m.type === 'selected') {
        this.selectedRunId = m.runId;
        void this.sendRun(m.runId);
      } else if (m.type === 'ready') {
        void this.sendHistory();
        this.flushLive();
        if (this.pendingTable) this.post({ type: 'table', table: this.pendingTable });
      }
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.pendingTable = undefined;
    });
    this.panel = panel;
  }

  private post(m: HostMessage): void {
    void this.panel?.webview.postMessage(m);
  }

  dispose(): void {
    clearTimeout(this.liveTimer);
    clearTimeout(this.historyTimer);
    this.panel?.dispose();
  }
}

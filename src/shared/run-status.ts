// The status bar item while a pipeline runs: "$(sync~spin) churn: fit 3/7 · 40%".
import * as vscode from 'vscode';
import type { EngineEvent } from '../../runtime/engine/events';

/** Status text for a run, from its events; undefined once it ended. Pure, for tests. */
export class RunStatusText {
  private total = 0;
  private pipeline = '';
  private stage = '';
  private index = 0;
  private fraction: number | undefined;
  private attempt = 1;
  /** The shown stage has finished: paused between stages, the next one not yet started. */
  private done = false;
  /** The run shown: the latest started. Another run's events (an older session's) are ignored. */
  private runId = '';
  running = false;

  apply(e: EngineEvent): void {
    if (e.type !== 'run-start' && e.runId !== this.runId) return;
    switch (e.type) {
      case 'run-start':
        Object.assign(this, { runId: e.runId, total: e.stages.length, pipeline: e.pipeline, stage: '', index: 0, fraction: undefined, attempt: 1, done: false, running: true });
        break;
      case 'stage-start':
        Object.assign(this, { stage: e.ref.stage, index: e.ref.index, fraction: undefined, attempt: 1, done: false });
        break;
      case 'stage-end':
        this.done = true;
        break;
      case 'attempt-start':
        this.attempt = e.attempt;
        break;
      case 'progress':
        this.fraction = e.fraction;
        break;
      case 'run-end':
        this.running = false;
        break;
    }
  }

  get text(): string {
    if (!this.stage) return `${this.pipeline}: starting`;
    if (this.done) return `${this.pipeline}: ${this.stage} done ${this.index + 1}/${this.total}`;
    const pct = this.fraction === undefined ? '' : ` · ${Math.round(this.fraction * 100)}%`;
    const retry = this.attempt > 1 ? ` · attempt ${this.attempt}` : '';
    return `${this.pipeline}: ${this.stage} ${this.index + 1}/${this.total}${pct}${retry}`;
  }
}

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('plumb.run', vscode.StatusBarAlignment.Left, 50);
  private readonly status = new RunStatusText();

  constructor() {
    this.item.name = 'Plumb run';
    this.item.command = 'plumb.showMetrics';
    this.item.tooltip = 'Plumb: the running pipeline — click for the metrics panel';
  }

  handle(e: EngineEvent): void {
    this.status.apply(e);
    if (!this.status.running) return void this.item.hide();
    this.item.text = `$(sync~spin) ${this.status.text}`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

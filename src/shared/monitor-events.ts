// One listener for the adapter's 'plumb/monitor' custom events (body: an engine event),
// fanned out to the decorations, the status bar and the metrics panel.
import * as vscode from 'vscode';
import type { EngineEvent } from '../../runtime/engine/events';

export const MONITOR_EVENT = 'plumb/monitor';

export interface MonitorMessage {
  session: vscode.DebugSession;
  event: EngineEvent;
}

/** A loose check: the body comes from another process. */
export function isEngineEvent(body: unknown): body is EngineEvent {
  return typeof body === 'object' && body !== null && typeof (body as { type?: unknown }).type === 'string' && typeof (body as { runId?: unknown }).runId === 'string';
}

export class MonitorEvents implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<MonitorMessage>();
  readonly onEvent = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor() {
    this.sub = vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type === 'plumb' && e.event === MONITOR_EVENT && isEngineEvent(e.body)) this.emitter.fire({ session: e.session, event: e.body });
    });
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

// One listener for the adapter's 'plumb/monitor' custom events (body: an engine event),
// fanned out to the decorations, the status bar and the metrics panel.
//
// A run's views clear on its 'run-end'. A session that ends without one (stopped, or its
// adapter died) would leave them showing a run forever, so when a Plumb session
// terminates, each of its runs that never ended gets a 'run-end' made here: status
// 'cancelled', with an error saying the session ended.
import * as vscode from 'vscode';
import type { EngineEvent } from '../../runtime/engine/events';

export const MONITOR_EVENT = 'plumb/monitor';
export const SESSION_ENDED = { name: 'SessionEnded', message: 'the debug session ended before the run finished' };

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
  private readonly subs: vscode.Disposable[];
  /** Runs started and not yet ended, by session id: run id → start time. */
  private readonly open = new Map<string, Map<string, number>>();
  /** Sessions that terminated: a late event from one would show its run again. */
  private readonly ended = new Set<string>();

  constructor() {
    this.subs = [
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type === 'plumb' && e.event === MONITOR_EVENT && isEngineEvent(e.body)) this.receive(e.session, e.body);
      }),
      vscode.debug.onDidTerminateDebugSession((session) => {
        if (session.type === 'plumb') this.endSession(session);
      }),
    ];
  }

  private receive(session: vscode.DebugSession, event: EngineEvent): void {
    if (this.ended.has(session.id)) return;
    let runs = this.open.get(session.id);
    if (event.type === 'run-start') {
      if (!runs) this.open.set(session.id, (runs = new Map()));
      runs.set(event.runId, event.time);
    } else if (event.type === 'run-end') {
      runs?.delete(event.runId);
    }
    this.emitter.fire({ session, event });
  }

  private endSession(session: vscode.DebugSession): void {
    const runs = this.open.get(session.id);
    this.open.delete(session.id);
    this.ended.add(session.id);
    const time = Date.now();
    for (const [runId, start] of runs ?? []) {
      this.emitter.fire({ session, event: { type: 'run-end', runId, time, durationMs: Math.max(0, time - start), status: 'cancelled', error: { ...SESSION_ENDED } } });
    }
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}

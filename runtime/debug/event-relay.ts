// Engine events to session events: every event to the metrics panel ('monitor', progress
// and step values throttled), a progress bar per stage, stage logs, warnings and failed
// attempts to the Debug Console at the stage's line. It also keeps what stops read later:
// each stage's data warnings and each metric's series.
import type { EngineEvent } from '../engine/events';
import type * as P from './protocol';
import { fileOf, type LoadedRun } from './launch';
import { stepName } from './frames';
import { Throttle } from './throttle';

export class EventRelay {
  /** The stage whose code is running now (between its start and end events). */
  runningStage: string | undefined;
  /** Data warnings per stage index, of the stage's latest run. */
  readonly warnings = new Map<number, string[]>();
  readonly series = new Map<string, { step: number; value: number }[]>();
  /** Set once the pipeline is loaded; events before that point at the pipeline file. */
  run?: LoadedRun;
  private progressCount = 0;
  private progressId?: string;
  private readonly monitorThrottle: Throttle;
  private readonly progressThrottle: Throttle;

  constructor(private readonly send: (e: P.SessionEvent) => void) {
    this.monitorThrottle = new Throttle(50, (e) => send({ event: 'monitor', data: e }));
    this.progressThrottle = new Throttle(100, (e) => send(e as P.SessionEvent));
  }

  /** Send what the throttles hold: before a stop, so the panel shows where the run is. */
  flush(): void {
    this.progressThrottle.flush();
    this.monitorThrottle.flush();
  }

  /** The run ended: send everything pending and close the open progress bar. */
  end(): void {
    this.monitorThrottle.flush();
    this.progressThrottle.flush();
    if (this.progressId) this.send({ event: 'progressEnd', id: this.progressId });
  }

  // The engine records every event in the session's monitor before this runs.
  onEngineEvent(e: EngineEvent): void {
    if (e.type === 'progress' || e.type === 'step') this.monitorThrottle.push(`${e.type}:${e.ref.index}`, e);
    else {
      // Pending progress/step values belong before the stage's end; metrics and logs may pass them.
      if (e.type !== 'metric' && e.type !== 'log') this.monitorThrottle.flush();
      this.send({ event: 'monitor', data: e });
    }
    // A stage's output points at its own file: a sub-pipeline stage's is the sub file.
    const stage = 'ref' in e && e.ref ? this.run?.runSpecs[e.ref.index] : undefined;
    const file = stage ? fileOf(this.run!, stage) : this.run?.spec.file;
    const lineOf = (r?: { line: number }): number | undefined => r?.line;
    switch (e.type) {
      case 'stage-start':
        this.runningStage = e.ref.stage;
        this.warnings.set(e.ref.index, []);
        this.progressId = `stage-${++this.progressCount}`;
        this.send({ event: 'progressStart', id: this.progressId, title: `Stage '${e.ref.stage}' (${e.ref.uses})`, message: `${e.rowsIn} rows in` });
        break;
      case 'stage-end':
      case 'stage-error':
        this.runningStage = undefined;
        this.progressThrottle.flush();
        if (this.progressId) {
          this.send({ event: 'progressEnd', id: this.progressId, message: e.type === 'stage-end' ? `${e.rowsOut} rows out` : 'failed' });
          this.progressId = undefined;
        }
        if (e.type === 'stage-error') {
          this.send({ event: 'output', category: 'stderr', text: `stage '${e.ref.stage}' failed after ${e.attempts} attempt${e.attempts === 1 ? '' : 's'}: ${e.error.message}\n`, file, line: e.ref.line });
        }
        break;
      case 'progress':
        if (this.progressId) this.progressThrottle.push('p', { event: 'progressUpdate', id: this.progressId, percentage: Math.round(e.fraction * 100), message: e.message });
        break;
      case 'step':
        if (this.progressId) this.progressThrottle.push('p', { event: 'progressUpdate', id: this.progressId, message: stepName(e.label, e.values) });
        break;
      case 'log':
        this.send({ event: 'output', category: 'console', text: `[${e.ref?.stage ?? this.run?.spec.name ?? 'pipeline'}] ${e.message}\n`, file, line: lineOf(e.ref) });
        break;
      case 'warning':
        if (e.ref) this.warnings.get(e.ref.index)?.push(e.message);
        this.send({ event: 'output', category: 'stderr', text: `warning${e.ref ? ` in stage '${e.ref.stage}'` : ''}: ${e.message}\n`, file, line: lineOf(e.ref) });
        break;
      case 'attempt-end':
        if (!e.ok && e.retryInMs !== undefined) {
          this.send({
            event: 'output',
            category: 'console',
            text: `stage '${e.ref.stage}' attempt ${e.attempt} failed: ${e.error?.name}: ${e.error?.message}; retrying in ${Math.round(e.retryInMs)} ms\n`,
            file,
            line: e.ref.line,
          });
        }
        break;
      case 'metric': {
        let s = this.series.get(e.name);
        if (!s) this.series.set(e.name, (s = []));
        s.push({ step: e.step, value: e.value });
        break;
      }
    }
  }
}

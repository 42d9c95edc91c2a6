// Builds a RunRecord from the engine's event stream. Runs on every event of every run,
// so each handler does O(1) work on the live record: no copies, no scans of all stages
// (except once at run-end).
import type { EngineEvent } from '../engine/events';
import type { ErrorInfo, StageRef } from '../vocabulary';
import { emptyRunRecord, pendingStage, rowsHandled, type LogRecord, type RunRecord, type StageRecord } from './record';

export interface MonitorOptions {
  /** Keep the last N log lines in `record.logs` (default 0: only count them). */
  keepLogs?: number;
}

export class Monitor {
  private rec: RunRecord = emptyRunRecord();
  private readonly byName = new Map<string, StageRecord>();
  /** The same records by StageRef.index: an array read instead of a hash lookup per event. */
  private readonly byIndex: StageRecord[] = [];
  /**
   * The most attempts each retried stage has made, as the run's retry summary counts them.
   * Only stages past their first attempt have an entry: most stages cost nothing here.
   */
  private readonly retried = new Map<StageRecord, number>();
  /** The ref of the last stageOf() call and its record (records live as long as the run). */
  private lastRef: StageRef | undefined;
  private lastStage: StageRecord | undefined;
  private readonly keepLogs: number;
  private started = false;

  constructor(opts: MonitorOptions = {}) {
    this.keepLogs = Math.max(0, Math.floor(opts.keepLogs ?? 0));
  }

  /**
   * The live record, updated in place as events arrive: cheap to read, but do not keep
   * it across events expecting a snapshot, and do not modify it. Use toJSON for a copy.
   */
  get record(): RunRecord {
    const logs = this.rec.logs;
    if (logs && logs.length > this.keepLogs) logs.splice(0, logs.length - this.keepLogs);
    return this.rec;
  }

  /** A deep copy of the record, safe to keep, save or send. */
  toJSON(): RunRecord {
    return structuredClone(this.record);
  }

  /**
   * Feeds one event. A run-start begins a fresh record; events of another run than the
   * current one are ignored, so one Monitor follows one run at a time.
   */
  handle(event: EngineEvent): void {
    if (event.type === 'run-start') {
      this.startRun(event);
      return;
    }
    if (this.started && event.runId !== this.rec.runId) return;
    switch (event.type) {
      case 'stage-start':
        this.stageStart(event.runId, event.ref, event.time, event.rowsIn, event.bytesIn);
        break;
      case 'attempt-start':
        this.attemptStart(event.runId, event.ref, event.attempt, event.time);
        break;
      case 'attempt-end':
        this.attemptEnd(event.runId, event.ref, event.attempt, event.time, event.durationMs, event.ok, event.error, event.retryInMs);
        break;
      case 'stage-end':
        this.stageEnd(event.runId, event.ref, event.time, event.durationMs, event.rowsIn, event.rowsOut, event.bytesIn, event.bytesOut, event.attempts);
        break;
      case 'stage-error': {
        const s = this.stageOf(event.ref);
        s.status = 'failed';
        if (s.start === undefined) s.start = event.time - event.durationMs;
        s.durationMs = event.durationMs;
        const last = s.errors[s.errors.length - 1];
        if (last && last.name === event.error.name && last.message === event.error.message) {
          if (!last.stack && event.error.stack) last.stack = event.error.stack;
        } else {
          s.errors.push({ ...event.error });
        }
        this.noteAttempts(s, event.attempts);
        break;
      }
      case 'warning': {
        const w = { message: event.message, code: event.code, time: event.time };
        if (event.ref) {
          this.stageOf(event.ref).warnings++;
          this.rec.warnings.push({ stage: event.ref.stage, ...w });
        } else this.rec.warnings.push(w);
        break;
      }
      case 'log': {
        this.rec.logsCount++;
        if (this.keepLogs > 0) {
          const line: LogRecord = event.ref
            ? { stage: event.ref.stage, time: event.time, message: event.message }
            : { time: event.time, message: event.message };
          const logs = (this.rec.logs ??= []);
          logs.push(line);
          // Trim in batches so a chatty stage costs amortised O(1) per line.
          if (logs.length >= 2 * this.keepLogs) logs.splice(0, logs.length - this.keepLogs);
        }
        break;
      }
      case 'metric': {
        const metrics = this.stageOf(event.ref).metrics;
        (metrics[event.name] ??= []).push({ step: event.step, value: event.value });
        break;
      }
      case 'step':
        this.stageOf(event.ref).steps++;
        break;
      case 'run-end':
        this.endRun(event);
        break;
      case 'section-start':
      case 'section-end':
      case 'progress':
        break; // live-only information; the record keeps per-stage facts
    }
  }

  // The four per-stage events, as plain calls: the engine feeds the monitor through these
  // directly (no event object, no switch) and handle() forwards to them, so both paths
  // record exactly the same thing.

  /** Same as handle() of a 'stage-start' event. */
  stageStart(runId: string, ref: StageRef, time: number, rowsIn: number, bytesIn: number): void {
    if (this.started && runId !== this.rec.runId) return;
    const s = this.stageOf(ref);
    if (s.status !== 'pending') this.resetStage(s); // a restarted stage: record its latest execution
    s.status = 'running';
    s.start = time;
    s.rowsIn = rowsIn;
    s.bytesIn = bytesIn;
  }

  /** Same as handle() of an 'attempt-start' event. */
  attemptStart(runId: string, ref: StageRef, attempt: number, time: number): void {
    if (this.started && runId !== this.rec.runId) return;
    const s = this.stageOf(ref);
    const a = { attempt, start: time, durationMs: 0, ok: false };
    // Most stages make one attempt: a one-element array, where a push onto the empty one
    // would allocate 17 slots for every stage of the run.
    if (s.attempts.length === 0) s.attempts = [a];
    else s.attempts.push(a);
    this.noteAttempts(s, attempt);
  }

  /** Same as handle() of an 'attempt-end' event. */
  attemptEnd(
    runId: string,
    ref: StageRef,
    attempt: number,
    time: number,
    durationMs: number,
    ok: boolean,
    error: ErrorInfo | undefined,
    retryInMs: number | undefined,
  ): void {
    if (this.started && runId !== this.rec.runId) return;
    const s = this.stageOf(ref);
    let a = s.attempts[s.attempts.length - 1];
    if (!a || a.attempt !== attempt) {
      // No matching attempt-start: the attempt still gets its record.
      a = { attempt, start: time - durationMs, durationMs: 0, ok: false };
      s.attempts.push(a);
      this.noteAttempts(s, attempt);
    }
    a.durationMs = durationMs;
    a.ok = ok;
    if (error) {
      a.error = { name: error.name, message: error.message };
      s.errors.push({ ...error });
    }
    if (retryInMs !== undefined) a.delayMs = retryInMs;
  }

  /** Same as handle() of a 'stage-end' event. */
  stageEnd(
    runId: string,
    ref: StageRef,
    time: number,
    durationMs: number,
    rowsIn: number,
    rowsOut: number,
    bytesIn: number,
    bytesOut: number,
    attempts: number,
  ): void {
    if (this.started && runId !== this.rec.runId) return;
    const s = this.stageOf(ref);
    s.status = 'ok';
    if (s.start === undefined) s.start = time - durationMs;
    s.durationMs = durationMs;
    s.rowsIn = rowsIn;
    s.rowsOut = rowsOut;
    s.bytesIn = bytesIn;
    s.bytesOut = bytesOut;
    s.rowsPerSec = durationMs > 0 ? (rowsHandled(s) * 1000) / durationMs : 0;
    this.noteAttempts(s, attempts);
  }

  private startRun(event: Extract<EngineEvent, { type: 'run-start' }>): void {
    this.rec = emptyRunRecord();
    this.byName.clear();
    this.byIndex.length = 0;
    this.retried.clear();
    this.lastRef = this.lastStage = undefined;
    this.started = true;
    Object.assign(this.rec, { runId: event.runId, pipeline: event.pipeline, file: event.file, mode: event.mode, start: event.time });
    for (const ref of event.stages) this.stageOf(ref);
  }

  private endRun(event: Extract<EngineEvent, { type: 'run-end' }>): void {
    const r = this.rec;
    r.status = event.status;
    r.end = event.time;
    r.durationMs = event.durationMs;
    if (event.version !== undefined) r.version = event.version;
    if (event.error) r.error = event.error;
    for (const s of r.stages) {
      if (s.status === 'pending') s.status = 'skipped';
      else if (s.status === 'running') {
        // Interrupted (cancelled) mid-stage: it never finished, but keep how long it ran.
        s.status = 'skipped';
        if (s.start !== undefined) s.durationMs = Math.max(0, event.time - s.start);
      }
    }
  }

  private stageOf(ref: StageRef): StageRecord {
    // The engine sends a stage's events with one ref object, one after another.
    if (ref === this.lastRef) return this.lastStage!;
    const known = this.byIndex[ref.index];
    // The record is keyed by name; the index is only a shortcut to it.
    if (known !== undefined && known.stage === ref.stage) return this.remember(ref, known);
    let s = this.byName.get(ref.stage);
    if (!s) {
      s = pendingStage(ref);
      this.byName.set(ref.stage, s);
      this.rec.stages.push(s);
    }
    const i = ref.index;
    if (Number.isInteger(i) && i >= 0 && i <= this.byIndex.length) this.byIndex[i] = s;
    return this.remember(ref, s);
  }

  private remember(ref: StageRef, s: StageRecord): StageRecord {
    this.lastRef = ref;
    this.lastStage = s;
    return s;
  }

  /** Keeps the run's retry summary in step with a stage's attempt count, in O(1). */
  private noteAttempts(s: StageRecord, attempts: number): void {
    if (attempts <= 1) return; // a first attempt changes no count
    const before = this.retried.get(s) ?? 1;
    if (attempts <= before) return;
    this.retried.set(s, attempts);
    const summary = this.rec.retry;
    summary.totalRetries += attempts - before;
    if (before === 1) summary.stagesRetried++;
  }

  private resetStage(s: StageRecord): void {
    const before = this.retried.get(s);
    if (before !== undefined) {
      this.rec.retry.totalRetries -= before - 1;
      this.rec.retry.stagesRetried--;
      this.retried.delete(s);
    }
    Object.assign(s, { status: 'pending', rowsIn: 0, rowsOut: 0, bytesIn: 0, bytesOut: 0, rowsPerSec: 0, attempts: [], errors: [] as ErrorInfo[], metrics: {}, steps: 0 });
    delete s.start;
    delete s.durationMs;
    // Warnings stay counted: the messages remain in the run's warning list.
  }
}

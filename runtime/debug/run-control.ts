// Where the run stops and how it goes on: the engine Controller that checks breakpoints,
// the stepping plan and the exception filters at each point; a stop (it tells the adapter,
// then holds the engine until a resume); and the resumes themselves (continue, steps,
// step back, reverse continue, restart frame, pause). What a stop shows is frames.ts,
// scopes.ts and evaluate.ts.
import type { Controller, Directive } from '../engine/controller';
import type { Table } from '../table/table';
import type * as P from './protocol';
import type { BreakpointTable, ActiveBreakpoint } from './breakpoints';
import { RUN_FREE, planFor, stopsAt, type Plan, type Where } from './stepping';
import type { RefTable } from './refs';
import type { TableCache } from './table-view';
import type { EventRelay } from './event-relay';
import { breakpointHits } from './breakpoint-hits';
import { isStageFrame, stackFrames } from './frames';
import type { LoadedRun } from './launch';
import type { Stop, StopPoint } from './stop';

export interface RunControlHooks {
  send(e: P.SessionEvent): void;
  waiting?(onClient: boolean): void;
}

export class RunControl {
  /** Set by the session once the pipeline is loaded. */
  run?: LoadedRun;
  bps?: BreakpointTable;
  filters = new Set<P.ExceptionFilter>();
  plan: Plan = RUN_FREE;
  /** The run has ended: nothing stops any more. */
  finished = false;
  /** The input each stage last started with: the "changes versus previous stage" view. */
  readonly inputs: Table[] = [];
  private current?: Stop;
  private release?: (d: Directive | void) => void;
  private skipBreakpointsAt?: number;

  constructor(
    private readonly hooks: RunControlHooks,
    private readonly relay: EventRelay,
    private readonly refs: RefTable,
    private readonly cache: TableCache,
  ) {}

  /** The current stop, if the run is stopped. */
  get stop(): Stop | undefined {
    return this.current;
  }

  stopped(): Stop {
    if (!this.current) throw new Error(this.finished ? 'the run has ended' : 'the run is not stopped');
    return this.current;
  }

  /** Pause: stop at the very next point of a running pipeline. */
  pause(started: boolean): void {
    if (!this.current && started && !this.finished) this.plan = { reason: 'pause', any: true };
  }

  /**
   * Let the event loop run now and then. A stage's inner steps resolve through microtasks
   * only, so without this a long epoch loop would never let a 'pause' request in.
   */
  private lastBreath = Date.now();
  private async breathe(always = false): Promise<void> {
    if (!always && Date.now() - this.lastBreath < 20) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastBreath = Date.now();
  }

  controller(): Controller {
    return {
      beforeStage: async (p) => {
        await this.breathe(true);
        const i = p.ref.index;
        this.inputs[i] = p.input;
        this.inputs.length = i + 1;
        const where: Where = { kind: 'before', index: i };
        let hits: ActiveBreakpoint[] = [];
        if (this.skipBreakpointsAt === i) this.skipBreakpointsAt = undefined;
        else hits = breakpointHits(this.bps?.on(p.ref.stage) ?? [], p, this.run!, this.cache, this.hooks.send);
        const planned = stopsAt(this.plan, where);
        if (!hits.length && !planned) return;
        const fromFunction = hits.length > 0 && hits.every((b) => b.isFunction);
        const reason: P.StopReason = hits.length ? (fromFunction ? 'function breakpoint' : 'breakpoint') : this.plan.reason;
        const what = hits.length ? 'Breakpoint' : reason === 'entry' ? 'Entry' : 'Paused';
        return this.stopHere({ where, point: p, reason, description: `${what} before stage '${p.ref.stage}'` }, hits.map((b) => b.id));
      },
      afterStage: async (p) => {
        await this.breathe(true);
        const i = p.ref.index;
        const where: Where = { kind: 'after', index: i };
        const point: StopPoint = { ...p, attempt: p.attempts };
        const warned = this.filters.has('data-warning') ? (this.relay.warnings.get(i) ?? []) : [];
        if (stopsAt(this.plan, where)) {
          const d = this.plan.reason === 'restart' ? `Re-ran stage '${p.ref.stage}'` : `Paused after stage '${p.ref.stage}'`;
          return this.stopHere({ where, point, reason: this.plan.reason, description: d, warnings: warned.length ? warned : undefined });
        }
        if (warned.length) {
          return this.stopHere({ where, point, reason: 'exception', description: `Data warning in stage '${p.ref.stage}': ${warned.join('; ')}`, warnings: warned });
        }
        if (this.run?.stopAfterIndex === i) {
          return this.stopHere({ where, point, reason: 'step', description: `Paused after stage '${p.ref.stage}' (stopAfterStage)` });
        }
      },
      atStep: async (p) => {
        await this.breathe();
        const where: Where = { kind: 'step', index: p.ref.index };
        if (!stopsAt(this.plan, where)) return;
        const step = { label: p.label, index: p.index, values: p.values };
        return this.stopHere({ where, point: { ...p, step }, reason: this.plan.reason, description: `Paused at ${p.label} of stage '${p.ref.stage}'` });
      },
      retryAttempt: async (p) => {
        const where: Where = { kind: 'retry', index: p.ref.index };
        const filtered = this.filters.has('retry-attempt');
        if (!filtered && !stopsAt(this.plan, where)) return;
        const text = `Attempt ${p.attempt} of stage '${p.ref.stage}' failed: ${p.error.name}: ${p.error.message}; retrying in ${Math.round(p.delayMs)} ms`;
        return this.stopHere({ where, point: { ...p, attempt: p.attempt, delayMs: p.delayMs }, reason: filtered ? 'exception' : this.plan.reason, description: text });
      },
      stageFailed: async (p) => {
        if (!this.filters.has('stage-failed')) return;
        const cause = (p.error as { cause?: unknown }).cause;
        const err = cause instanceof Error ? cause : p.error;
        return this.stopHere({
          where: { kind: 'failed', index: p.ref.index },
          point: { ...p, error: err, attempt: p.attempts },
          reason: 'exception',
          description: `Stage '${p.ref.stage}' failed: ${err.name}: ${err.message}`,
        });
      },
    };
  }

  private stopHere(stop: Stop, hitBreakpointIds?: number[]): Promise<Directive | void> {
    this.current = stop;
    this.plan = RUN_FREE;
    this.relay.flush();
    const frame = stackFrames(this.run!, stop)[0];
    this.hooks.send({
      event: 'stopped',
      reason: stop.reason,
      description: stop.description,
      text: stop.reason === 'exception' ? stop.description : undefined,
      hitBreakpointIds: hitBreakpointIds?.length ? hitBreakpointIds : undefined,
      file: frame.file,
      line: frame.line,
    });
    this.hooks.waiting?.(true);
    return new Promise((resolve) => (this.release = resolve));
  }

  private go(d: Directive | void, plan: Plan): void {
    const release = this.release;
    this.current = undefined;
    this.release = undefined;
    this.refs.reset();
    this.plan = plan;
    this.hooks.send({ event: 'continued' });
    this.hooks.waiting?.(false);
    release?.(d);
  }

  resume(kind: P.StepKind): void {
    const { where } = this.stopped();
    const i = where.index;
    const runSpecs = this.run!.runSpecs;
    // Going back counts as arriving at the target stage: its breakpoints are evaluated
    // (hit counts grow) and the run stops there in any case.
    if (kind === 'stepBack') {
      const target = where.kind === 'before' ? Math.max(0, i - 1) : i;
      return this.go({ action: 'goto', index: target }, { reason: 'step', before: (j) => j === target });
    }
    if (kind === 'reverseContinue') {
      const last = where.kind === 'before' ? i - 1 : i;
      let target = 0;
      for (let j = last; j >= 0; j--) {
        if (this.bps?.hasAny(runSpecs[j].name)) {
          target = j;
          break;
        }
      }
      const hasBp = this.bps?.hasAny(runSpecs[target].name) ?? false;
      return this.go({ action: 'goto', index: target }, { reason: hasBp ? 'breakpoint' : 'step', before: (j) => j === target });
    }
    this.go(undefined, planFor(kind, where, this.run!.sections, this.run!.groups));
  }

  restartFrame(frameId: number): void {
    const { where } = this.stopped();
    const i = where.index;
    if (!isStageFrame(frameId, i)) {
      throw new Error('only the current stage can be restarted: pick its frame (the one named after the stage)');
    }
    const plan: Plan = { reason: 'restart', after: i };
    if (where.kind === 'before') return this.go(undefined, plan);
    this.skipBreakpointsAt = i;
    this.go({ action: 'rerun' }, plan);
  }
}

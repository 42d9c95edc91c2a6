// The run process's own guard for `plumb run`: a stage must not be able to end the
// process in a way that looks like success. It tracks the running stage (from engine
// events), reports it to a supervising parent over IPC (see supervise.ts), and, while the
// run is in progress, turns an early exit into a failure that names the stage:
// - a stage calling process.exit(…) → exit 1, "stage 'x' called process.exit(0) …";
// - a stage awaiting a promise nothing can settle → node finds its event loop empty and
//   would exit 0; we exit 1 with "stage 'x' never finished …".
import { writeSync } from 'node:fs';
import type { EngineEvent } from '../engine/events';
import { EXIT } from './args';

/** What the run process tells its supervisor; `exit` comes last, once the command is over. */
export type GuardMessage =
  | { type: 'stage-start'; stage: string }
  | { type: 'stage-end'; stage: string }
  | { type: 'run-end' }
  | { type: 'exit'; code: number };

/** Sends `m` to a supervising parent, if there is one; `sent` is called either way. */
export function tellSupervisor(m: GuardMessage, sent?: () => void): void {
  if (!process.send || !process.connected) return sent?.();
  try {
    process.send(m, undefined, undefined, () => sent?.());
  } catch {
    // The supervisor is gone; the run itself goes on.
    sent?.();
  }
}

export class RunGuard {
  private stage: string | undefined;
  private active = false;
  private exitCalled: { code: unknown } | undefined;
  private realExit: typeof process.exit | undefined;

  /** Starts guarding: call before the run starts, and finish() when it has ended. */
  start(): void {
    if (this.active) return;
    this.active = true;
    // The IPC channel must not keep the process alive: an empty event loop is how a
    // never-settling promise shows itself.
    process.channel?.unref();
    process.on('exit', this.onExit);
    const real = process.exit;
    this.realExit = real;
    const guard = this;
    process.exit = function exit(code?: number | string | null) {
      if (guard.active && !guard.exitCalled) guard.exitCalled = { code };
      return real.call(process, code as number | undefined);
    } as typeof process.exit;
  }

  finish(): void {
    if (!this.active) return;
    this.active = false;
    process.removeListener('exit', this.onExit);
    if (this.realExit) process.exit = this.realExit;
    this.send({ type: 'run-end' });
  }

  handle(e: EngineEvent): void {
    if (e.type === 'stage-start') {
      this.stage = e.ref.stage;
      this.send({ type: 'stage-start', stage: e.ref.stage });
    } else if (e.type === 'stage-end' || e.type === 'stage-error') {
      this.stage = undefined;
      this.send({ type: 'stage-end', stage: e.ref.stage });
    }
  }

  private send(m: GuardMessage): void {
    tellSupervisor(m);
  }

  private readonly onExit = (code: number): void => {
    if (!this.active) return;
    const who = this.stage ? `stage '${this.stage}'` : 'the run';
    const message = this.exitCalled
      ? `${who} called process.exit(${this.exitCalled.code === undefined ? '' : String(this.exitCalled.code)}) before the run finished; the run failed`
      : `${who} never finished: it is waiting on a promise that nothing can settle (the event loop is empty)`;
    try {
      writeSync(2, `plumb: ${message}\n`);
    } catch {
      // stderr closed: the exit code still says it.
    }
    // Whatever code the stage chose (0 included), this is a failed run: exit 1, like a throw.
    void code;
    process.exitCode = EXIT.failed;
  };
}

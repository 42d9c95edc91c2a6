// `plumb run` runs the pipeline in a child process and watches it from this one. A
// stage can block its own event loop (`while (true) {}`) or exhaust the heap, and then
// nothing inside that process can report anything; from outside we still can:
// - --timeout / --stage-timeout: on expiry, say which stage was running, kill the child
//   (SIGKILL), exit 124;
// - Ctrl-C / SIGTERM: the child cancels the run and exits 130; one that has not exited
//   2 s later (its event loop is blocked) is killed, naming the stage, exit 130;
// - the child dying by a signal (V8 aborts with SIGABRT when the heap is exhausted; the
//   kernel's OOM killer sends SIGKILL): say which stage was running, exit 125;
// - otherwise the child's own exit code is ours. The child reports it before exiting, and
//   one that is still alive a second later (something it cannot get rid of keeps it
//   running) is killed: `plumb` always exits once the run is over.
// stdio is inherited, so progress bars and --json output are exactly as without it.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { EXIT, type CliArgs } from './args';
import type { GuardMessage } from './run-guard';

/** Set in the child's environment, so the child runs the command itself. */
export const SUPERVISED_ENV = 'PLUMB_SUPERVISED';

export function isSupervisedChild(): boolean {
  return process.env[SUPERVISED_ENV] === '1';
}

export function superviseRun(argv: string[], args: CliArgs, script: string): Promise<number> {
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--max-old-space-size'));
  if (args.maxMemoryMb !== undefined) execArgv.push(`--max-old-space-size=${args.maxMemoryMb}`);
  const child = spawn(process.execPath, [...execArgv, script, ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [SUPERVISED_ENV]: '1' },
  });

  let stage: string | undefined;
  let stageTimer: NodeJS.Timeout | undefined;
  let verdict: number | undefined;
  const say = (s: string): void => {
    try {
      writeSync(2, `plumb: ${s}\n`);
    } catch {
      // stderr closed: the exit code still says it.
    }
  };
  const stop = (code: number, message: string): void => {
    if (verdict !== undefined) return;
    verdict = code;
    say(message);
    child.kill('SIGKILL');
  };

  const runTimer =
    args.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          const where = stage ? ` (stage '${stage}' was running)` : '';
          stop(EXIT.timeout, `the run did not finish within ${formatMs(args.timeoutMs!)}${where}; stopped it`);
        }, args.timeoutMs);

  // After the child has said its exit code it should be gone at once (it exits itself
  // once its output is flushed); if something keeps it alive, stop it and use that code.
  let exitTimer: NodeJS.Timeout | undefined;
  child.on('message', (m: GuardMessage) => {
    if (m?.type === 'stage-start') {
      stage = m.stage;
      clearTimeout(stageTimer);
      if (args.stageTimeoutMs !== undefined) {
        const name = m.stage;
        stageTimer = setTimeout(() => stop(EXIT.timeout, `stage '${name}' did not finish within ${formatMs(args.stageTimeoutMs!)}; stopped the run`), args.stageTimeoutMs);
      }
    } else if (m?.type === 'stage-end' || m?.type === 'run-end') {
      stage = undefined;
      clearTimeout(stageTimer);
    } else if (m?.type === 'exit' && typeof m.code === 'number') {
      const code = m.code;
      clearTimeout(exitTimer);
      exitTimer = setTimeout(() => {
        if (verdict !== undefined) return;
        verdict = code;
        child.kill('SIGKILL');
      }, EXIT_GRACE_MS);
    }
  });

  // Ctrl-C reaches the child too (same process group); a signal sent to this process
  // alone is passed on. Either way the child cancels the run and exits 130. A child that
  // cannot react (a stage stuck in a synchronous loop blocks its event loop) is stopped
  // after INTERRUPT_GRACE_MS, naming the stage; a second Ctrl-C stops it at once.
  let interrupts = 0;
  let interruptTimer: NodeJS.Timeout | undefined;
  let forwardTimer: NodeJS.Timeout | undefined;
  const running = (): string => (stage ? ` while stage '${stage}' was running` : '');
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts >= 2) return stop(EXIT.interrupted, `interrupted again${running()}; stopped the run at once`);
    // From a terminal the child has this Ctrl-C already; passing it on a moment later
    // (for a signal sent to this process alone) keeps it from landing while the child,
    // done cancelling, has put its handler away and would die of it mid-report.
    forwardTimer = setTimeout(() => child.kill(signal), 100);
    interruptTimer = setTimeout(() => {
      const what = stage ? `stage '${stage}' did not stop` : 'the run process did not stop';
      stop(EXIT.interrupted, `interrupted: ${what} within ${formatMs(INTERRUPT_GRACE_MS)} of the interrupt; killed it`);
    }, INTERRUPT_GRACE_MS);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  return new Promise<number>((resolve) => {
    const done = (code: number): void => {
      clearTimeout(runTimer);
      clearTimeout(stageTimer);
      clearTimeout(exitTimer);
      clearTimeout(interruptTimer);
      clearTimeout(forwardTimer);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      resolve(code);
    };
    child.on('error', (e) => {
      say(`cannot start the run process: ${e.message}`);
      done(EXIT.crashed);
    });
    child.on('exit', (code, signal) => {
      if (verdict !== undefined) return done(verdict);
      if (signal === null) return done(code ?? EXIT.failed);
      const where = stage ? `while stage '${stage}' was running` : 'during the run';
      if (signal === 'SIGABRT') {
        const limit = args.maxMemoryMb ?? Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
        say(`the run process aborted ${where}; most likely it ran out of memory (heap limit about ${limit} MB; raise it with --max-memory MB)`);
      } else if (signal === 'SIGKILL') {
        say(`the run process was killed (SIGKILL) ${where}, e.g. by the system's out-of-memory killer`);
      } else if (signal === 'SIGINT' || signal === 'SIGTERM') {
        return done(EXIT.interrupted);
      } else {
        say(`the run process died of ${signal} ${where}`);
      }
      done(EXIT.crashed);
    });
  });
}

/** How long a child that reported its exit code may take to actually exit. */
const EXIT_GRACE_MS = 1000;
/** How long a child may take to stop after Ctrl-C before it is killed. */
const INTERRUPT_GRACE_MS = 2000;

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

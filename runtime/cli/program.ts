// How the `plumb` process ends: shared by the small entry (entry.ts, which supervises
// `plumb run`) and the commands (main.ts), so the entry need not load the commands.
import { EXIT } from './args';
import { tellSupervisor } from './run-guard';

/**
 * `plumb stages | head` closes our stdout early: the next write fails with EPIPE, which
 * as an unhandled 'error' event would crash with a stack trace. Nobody reads any more, so
 * stop quietly; a closed stderr is ignored (the exit code still tells).
 */
export function ignoreClosedOutput(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
  });
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

/**
 * Ends the process once what it printed is flushed. The command is over: a timer, socket
 * or child process a user stage left behind must not keep `plumb` running for ever.
 * Under a supervisor (`plumb run`), the code is reported first, so the supervisor can stop
 * a process that still fails to exit and exit with this code.
 */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 3;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  tellSupervisor({ type: 'exit', code }, done);
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.writableLength === 0 || stream.destroyed) done();
    else stream.write('', done);
  }
  // A reader that never drains a pipe must not hold us for ever either.
  setTimeout(() => process.exit(code), 5000).unref();
}

// The debug session host: the child process the adapter forks (see client.ts). It reads
// RequestMessages from the IPC channel, drives one DebugSession and answers with
// ResponseMessages and EventMessages. Nothing runs before 'configurationDone'; when the
// run ends it sends 'ended' and exits. User stage code runs in this process, so a hung or
// crashing stage takes only this process down, never the adapter.
import { DebugSession } from './session';
import type { HostMessage, RequestMessage } from './protocol';
import { errorMessage } from '../errors';

if (!process.send) {
  process.stderr.write('session-host: must be started with an IPC channel (child_process.fork)\n');
  process.exit(2);
}

let exiting = false;
/** Settles when the latest message has been written to the channel (messages go in order). */
let lastSent: Promise<void> = Promise.resolve();

function send(msg: HostMessage): void {
  if (!process.connected) return;
  try {
    lastSent = new Promise((resolve) => process.send!(msg, undefined, {}, () => resolve()));
  } catch (e) {
    process.stderr.write(`session-host: could not send a message: ${errorMessage(e)}\n`);
  }
}

/** Exit once everything sent so far has been handed to the channel. */
function exitSoon(code: number): void {
  if (exiting) return;
  exiting = true;
  void lastSent.then(() => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
}

let runningCode = false;
const session = new DebugSession({
  send: (e) => send({ type: 'event', ...e }),
  ended: (code) => exitSoon(code),
  // While pipeline code runs, the IPC channel alone must not keep this process alive: an
  // empty event loop is how a stage awaiting a promise that nothing can settle shows itself
  // (see 'beforeExit' below). While the session waits on the adapter, it must.
  waiting: (onClient) => {
    runningCode = !onClient;
    if (onClient) process.channel?.ref();
    else process.channel?.unref();
  },
});

process.on('beforeExit', () => {
  if (!runningCode || exiting) return;
  runningCode = false;
  const who = session.runningStage ? `stage '${session.runningStage}'` : 'the run';
  const message = `${who} never finished: it is waiting on a promise that nothing can settle (the event loop is empty)`;
  send({ type: 'event', event: 'ended', status: 'failed', exitCode: 1, message });
  exitSoon(1);
});

process.on('message', (raw: unknown) => {
  const msg = raw as RequestMessage;
  if (!msg || msg.type !== 'request' || typeof msg.seq !== 'number') return;
  if (msg.cmd === 'terminate') {
    send({ type: 'response', seq: msg.seq, ok: true, body: {} });
    send({ type: 'event', event: 'ended', status: 'cancelled', exitCode: 1, message: 'terminated' });
    exitSoon(1);
    return;
  }
  session.handle(msg).then(
    (body) => send({ type: 'response', seq: msg.seq, ok: true, body: body ?? {} }),
    (e: unknown) => send({ type: 'response', seq: msg.seq, ok: false, error: errorMessage(e) }),
  );
});

// The adapter went away (crashed, killed): nobody is left to drive this run.
process.on('disconnect', () => process.exit(1));
process.on('unhandledRejection', (e) => process.stderr.write(`session-host: unhandled rejection: ${e instanceof Error ? e.stack : String(e)}\n`));

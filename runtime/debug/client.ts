// The adapter's side of the session protocol: forks the session host, matches responses
// to requests by seq, turns the host's events (and its stdout/stderr) into 'event'
// emissions, and makes sure the child never outlives its use: terminate() kills it when
// it does not answer (a stage in a synchronous loop cannot), an unexpected exit fails
// pending requests and reports which stage was running, and the child is killed when
// this process exits. Plain Node: no vscode, no DAP packages.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import type { HostMessage, Request, RequestMessage, ResponseBodies, SessionEvent } from './protocol';
import type { EventOf } from '../engine/events';

export interface SessionClientOptions {
  /** The host script; default session-host.js next to the running bundle. */
  hostPath?: string;
  /** Node flags for the child (default none: the parent's flags are not inherited). */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** --max-old-space-size for the child, in MB. */
  maxOldSpaceMb?: number;
}

/** How long terminate() waits for the host to exit on its own before SIGKILL. */
const TERMINATE_GRACE_MS = 300;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on purpose: this runs inside process 'exit', where nothing async happens.
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
}

interface Pending {
  resolve(body: unknown): void;
  reject(err: Error): void;
  cmd: string;
}

/** How the host process went away: emitted once as 'ended' after the process is gone. */
export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export declare interface SessionClient {
  on(event: 'event', listener: (e: SessionEvent) => void): this;
  on(event: 'ended', listener: (info: HostExit) => void): this;
  once(event: 'event', listener: (e: SessionEvent) => void): this;
  off(event: 'event', listener: (e: SessionEvent) => void): this;
}

export class SessionClient extends EventEmitter {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** The stage running now, from the host's monitor events: named if the host dies. */
  private runningStage?: string;
  private endedSent = false;
  /** The run the host announced (its monitor 'run-start'), until its 'run-end' went out. */
  private openRun?: { runId: string; time: number };
  private terminating = false;
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly gone: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    super();
    live.add(child);
    killAllOnExit();
    child.on('message', (m) => this.onMessage(m as HostMessage));
    for (const [stream, category] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => this.emitEvent({ event: 'output', category, text }));
    }
    this.gone = new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        live.delete(child);
        this.onGone();
        resolve();
      };
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        // 'close' comes once stdio and IPC are drained; do not wait for it forever.
        setTimeout(finish, 200).unref();
      });
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.exitInfo ??= { code, signal };
        finish();
      });
      child.once('error', (e) => {
        if (child.pid === undefined) {
          this.exitInfo = { code: null, signal: null };
          this.failAll(new Error(`could not start the session host: ${e.message}`));
          finish();
        }
      });
    });
  }

  static async start(opts: SessionClientOptions = {}): Promise<SessionClient> {
    const hostPath = opts.hostPath ?? path.join(__dirname, 'session-host.js');
    const execArgv = [...(opts.execArgv ?? [])];
    if (opts.maxOldSpaceMb) execArgv.push(`--max-old-space-size=${Math.floor(opts.maxOldSpaceMb)}`);
    const child = fork(hostPath, [], {
      execArgv,
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const client = new SessionClient(child);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e) => reject(new Error(`could not start the session host (${hostPath}): ${e.message}`)));
    });
    return client;
  }

  /** The host's process id (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True once the host process is gone. */
  get exited(): boolean {
    return this.exitInfo !== undefined && !live.has(this.child);
  }

  request<K extends Request['cmd']>(req: Extract<Request, { cmd: K }>): Promise<ResponseBodies[K]> {
    if (this.exitInfo || !this.child.connected) {
      return Promise.reject(new Error(`the debug session has ended; '${req.cmd}' was not sent`));
    }
    const seq = ++this.seq;
    return new Promise<ResponseBodies[K]>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (b: unknown) => void, reject, cmd: req.cmd });
      const msg = { ...req, type: 'request', seq } as RequestMessage;
      this.child.send(msg, (err) => {
        if (err && this.pending.delete(seq)) reject(new Error(`could not send '${req.cmd}' to the session host: ${err.message}`));
      });
    });
  }

  /**
   * Ends the session: asks the host to stop, kills it if it has not exited within
   * ~300 ms, and resolves once the process is gone.
   */
  async terminate(): Promise<void> {
    if (this.exited) return;
    this.terminating = true;
    if (this.child.connected) this.request({ cmd: 'terminate' }).catch(() => undefined);
    const timer = setTimeout(() => {
      if (!this.exitInfo) this.child.kill('SIGKILL');
    }, TERMINATE_GRACE_MS);
    await this.gone;
    clearTimeout(timer);
  }

  private onMessage(m: HostMessage): void {
    if (m.type === 'response') {
      const p = this.pending.get(m.seq);
      if (!p) return;
      this.pending.delete(m.seq);
      if (m.ok) p.resolve(m.body);
      else p.reject(new Error(m.error));
      return;
    }
    if (m.type === 'event') {
      const { type: _type, ...e } = m;
      this.emitEvent(e as SessionEvent);
    }
  }

  private emitEvent(e: SessionEvent): void {
    if (e.event === 'monitor') {
      const d = e.data as { type?: string; ref?: { stage?: string }; runId?: unknown; time?: unknown } | null;
      if (d?.type === 'stage-start') this.runningStage = d.ref?.stage;
      else if (d?.type === 'stage-end' || d?.type === 'stage-error' || d?.type === 'run-end') this.runningStage = undefined;
      if (d?.type === 'run-start' && typeof d.runId === 'string') this.openRun = { runId: d.runId, time: typeof d.time === 'number' ? d.time : Date.now() };
      else if (d?.type === 'run-end') this.openRun = undefined;
    }
    if (e.event === 'ended') {
      if (this.endedSent) return;
      this.endedSent = true;
      this.closeRun(e);
    }
    this.emit('event', e);
  }

  /**
   * The session is ending but the run never said it ended (terminated while paused, a stage
   * stuck in a loop and killed, the host crashed): listeners that show a run as "running"
   * (status bar, inline results, metrics panel) get the run-end they wait for, with what is
   * known here. It goes out before 'ended', like a real one.
   */
  private closeRun(ended: Extract<SessionEvent, { event: 'ended' }>): void {
    const open = this.openRun;
    if (!open) return;
    this.openRun = undefined;
    const time = Date.now();
    const status = ended.status === 'ok' ? 'cancelled' : ended.status;
    const runEnd: EventOf<'run-end'> = { type: 'run-end', runId: open.runId, time, durationMs: Math.max(0, time - open.time), status };
    if (ended.message) runEnd.error = { name: status === 'cancelled' ? 'Cancelled' : 'SessionEnded', message: ended.message };
    this.emit('event', { event: 'monitor', data: runEnd } satisfies SessionEvent);
  }

  private onGone(): void {
    const { code, signal } = this.exitInfo ?? { code: null, signal: null };
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const where = this.runningStage ? ` while stage '${this.runningStage}' was running` : '';
    const message = this.terminating && !this.runningStage ? `the session host ${how} after terminate` : `the session host ${how}${where}`;
    this.failAll(new Error(`${message}${this.terminating ? '' : ' (unexpected exit)'}`));
    if (!this.endedSent) {
      this.emitEvent({
        event: 'ended',
        status: this.terminating ? 'cancelled' : 'failed',
        exitCode: 1,
        message: this.terminating ? `terminated: ${message}` : `${message}${signal === 'SIGABRT' || code === 134 ? ' (out of memory?)' : ''}`,
      });
    }
    this.emit('ended', { code, signal } satisfies HostExit);
  }

  private failAll(err: Error): void {
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.reject(new Error(`${p.cmd}: ${err.message}`));
    }
  }
}

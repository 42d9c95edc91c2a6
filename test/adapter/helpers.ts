// Drives the BUILT adapter (dist/adapter.js, which forks dist/session-host.js) with
// DebugClient from @vscode/debugadapter-testsupport. `npm test` builds first; run
// `npm run build` before `node scripts/run-tests.mjs adapter`.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ADAPTER = path.join(ROOT, 'dist', 'adapter.js');
const FIXTURES = path.join(__dirname, 'fixtures');

/**
 * The fixtures, copied to a temp folder: stage modules outside this repository import the
 * runtime the way a user's would, and the run's store (.plumb) never lands in the tree.
 */
export interface Fixtures {
  dir: string;
  file(name: string): string;
  cleanup(): void;
}

export function fixtures(): Fixtures {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-adapter-')));
  fs.cpSync(FIXTURES, dir, { recursive: true });
  return { dir, file: (name) => path.join(dir, name), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Every event of a kind, kept from the moment the client starts, so none is missed. */
class EventQueue {
  private readonly queued = new Map<string, DebugProtocol.Event[]>();
  private readonly waiting = new Map<string, ((e: DebugProtocol.Event) => void)[]>();
  readonly all: DebugProtocol.Event[] = [];

  push(e: DebugProtocol.Event): void {
    this.all.push(e);
    const w = this.waiting.get(e.event);
    if (w?.length) return w.shift()!(e);
    const q = this.queued.get(e.event) ?? [];
    q.push(e);
    this.queued.set(e.event, q);
  }

  next(kind: string, timeoutMs: number): Promise<DebugProtocol.Event> {
    const q = this.queued.get(kind);
    if (q?.length) return Promise.resolve(q.shift()!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiting.get(kind) ?? [];
        list.splice(list.indexOf(done), 1);
        reject(new Error(`no '${kind}' event within ${timeoutMs} ms; events so far: ${this.all.map((e) => e.event).join(', ')}`));
      }, timeoutMs);
      const done = (e: DebugProtocol.Event): void => {
        clearTimeout(timer);
        resolve(e);
      };
      const list = this.waiting.get(kind) ?? [];
      list.push(done);
      this.waiting.set(kind, list);
    });
  }

  /** Drops queued events of a kind (e.g. stale output before a check). */
  clear(kind: string): void {
    this.queued.delete(kind);
  }
}

const EVENT_KINDS = ['initialized', 'stopped', 'continued', 'exited', 'terminated', 'output', 'breakpoint', 'process', 'plumb/monitor', 'progressStart', 'progressUpdate', 'progressEnd'];

export interface Session {
  dc: DebugClient;
  events: EventQueue;
  /** Pids of every session host this adapter has had (children of the adapter process). */
  hostPids: Set<number>;
  adapterPid(): number;
  nextStop(timeoutMs?: number): Promise<DebugProtocol.StoppedEvent>;
  next(kind: string, timeoutMs?: number): Promise<DebugProtocol.Event>;
  stop(): Promise<void>;
}

export async function openSession(): Promise<Session> {
  if (!fs.existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run \`npm run build\` first`);
  const dc = new DebugClient('node', ADAPTER, 'plumb', { cwd: ROOT }, Boolean(process.env.PLUMB_ADAPTER_STDERR));
  dc.defaultTimeout = 20_000;
  const events = new EventQueue();
  for (const kind of EVENT_KINDS) dc.on(kind, (e: DebugProtocol.Event) => events.push(e));
  await dc.start();
  const adapterPid = (): number => (dc as unknown as { _adapterProcess: { pid: number } | null })._adapterProcess?.pid ?? -1;
  const hostPids = new Set<number>();
  const pid0 = adapterPid();
  // Record hosts as they appear; a host is a direct child of the adapter process.
  const poll = setInterval(() => childPids(pid0).forEach((p) => hostPids.add(p)), 20);
  return {
    dc,
    events,
    hostPids,
    adapterPid,
    next: (kind, timeoutMs = 20_000) => events.next(kind, timeoutMs),
    nextStop: (timeoutMs = 20_000) => events.next('stopped', timeoutMs) as Promise<DebugProtocol.StoppedEvent>,
    async stop() {
      clearInterval(poll);
      childPids(pid0).forEach((p) => hostPids.add(p));
      // dc.stop() waits for a disconnect response; a dead adapter never sends one.
      const stopped = await Promise.race([dc.stop().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5000))]);
      if (!stopped && alive(pid0)) process.kill(pid0, 'SIGKILL');
      // No session host may outlive its adapter.
      await waitFor(() => [...hostPids].every((p) => !alive(p)), 3000, `session host(s) ${[...hostPids].join(', ')} still running`);
      await waitFor(() => !alive(pid0), 3000, `adapter ${pid0} still running`);
    },
  };
}

/**
 * Fresh fixtures and a fresh adapter session for every test of the enclosing describe,
 * both gone after it; `opened` hands them to the test file before each test.
 */
export function sessionPerTest(opened: (fx: Fixtures, s: Session) => void): void {
  let fx: Fixtures;
  let s: Session;
  beforeEach(async () => {
    fx = fixtures();
    s = await openSession();
    opened(fx, s);
  });
  afterEach(async () => {
    await s.stop();
    fx.cleanup();
  });
}

/** `node dist/adapter.js --server=0` (after `nodeArgs`), once it says which port it took. */
export async function startAdapterServer(nodeArgs: string[] = []): Promise<{ server: ChildProcess; port: number }> {
  const server = spawn(process.execPath, [...nodeArgs, ADAPTER, '--server=0'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    server.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    server.once('exit', (code) => reject(new Error(`adapter server exited (${code}): ${text}`)));
  });
  return { server, port };
}

/**
 * initialize → launch → (setup once initialized) → configurationDone. `client`: more of
 * what the client says about itself in initialize (e.g. supportsProgressReporting).
 */
export async function launch(s: Session, args: Record<string, unknown>, setup?: () => Promise<void>, client: Partial<DebugProtocol.InitializeRequestArguments> = {}): Promise<void> {
  await s.dc.initializeRequest({ adapterID: 'plumb', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', ...client });
  const launched = s.dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  await launched;
  await s.next('initialized');
  if (setup) await setup();
  await s.dc.configurationDoneRequest();
}

/**
 * Calls `atStop` at every stop of the session (from its first) until it ends
 * ('terminated'); `atStop` must resume the run. Reads the event log, so a stop that came
 * before the call is not missed and no waiter is left behind.
 */
export async function eachStopUntilEnd(s: Session, atStop: (e: DebugProtocol.StoppedEvent) => Promise<void>, timeoutMs = 20_000): Promise<void> {
  let from = 0;
  const isStopOrEnd = (e: DebugProtocol.Event): boolean => e.event === 'stopped' || e.event === 'terminated';
  for (;;) {
    await waitFor(() => s.events.all.slice(from).some(isStopOrEnd), timeoutMs, 'a stop or the end of the session');
    const i = s.events.all.findIndex((e, k) => k >= from && isStopOrEnd(e));
    from = i + 1;
    const e = s.events.all[i];
    if (e.event === 'terminated') return;
    await atStop(e as DebugProtocol.StoppedEvent);
  }
}

export async function topFrame(s: Session): Promise<DebugProtocol.StackFrame> {
  const st = await s.dc.stackTraceRequest({ threadId: 1 });
  assert.ok(st.body.stackFrames.length > 0, 'no stack frames');
  return st.body.stackFrames[0];
}

export async function scopesByName(s: Session, frameId: number): Promise<Map<string, DebugProtocol.Scope>> {
  const r = await s.dc.scopesRequest({ frameId });
  return new Map(r.body.scopes.map((sc) => [sc.name, sc]));
}

export async function vars(s: Session, ref: number, extra: Partial<DebugProtocol.VariablesArguments> = {}): Promise<DebugProtocol.Variable[]> {
  return (await s.dc.variablesRequest({ variablesReference: ref, ...extra })).body.variables;
}

export function byName(list: DebugProtocol.Variable[], name: string): DebugProtocol.Variable {
  const v = list.find((x) => x.name === name);
  assert.ok(v, `no variable '${name}' among ${list.map((x) => x.name).join(', ')}`);
  return v;
}

/** 1-based line of the first line containing `text` in a file. */
export function lineOf(file: string, text: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `'${text}' not in ${file}`);
  return i + 1;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) counts as gone.
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function childPids(parent: number): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

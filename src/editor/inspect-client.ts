// The editor's side of the inspect host (runtime/spec/inspect-host.ts): a long-lived child
// process, started on first use, that loads user stage modules for the problems check and
// for hovers / completions. A module's top-level code therefore never runs in the
// extension host: one that loops forever is stopped by a per-load timeout (the child is
// killed and started again on the next request), one that calls process.exit ends only
// the child. Either way the culprit is named on its `uses:` line, and it is not loaded
// again until its file changes. No vscode import: tests drive it directly.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../../runtime/errors';
import type { InspectReply, InspectRequest } from '../../runtime/spec/inspect-protocol';
import { validatePipeline } from '../../runtime/spec/load';

export const LOAD_TIMEOUT_MS = 5000;
/** Starting Node and the bundled runtime is not the module's fault: it gets its own allowance. */
const START_TIMEOUT_MS = 20000;
/** Modules blamed in one validation before giving up on loading any (each costs a restart). */
const MAX_BLAMES = 4;

export interface InspectOptions {
  /** dist/inspect-host.js; by default found beside this bundle (or under dist/ when run from source). */
  hostPath?: string;
  /** How long one module may take to load (default 5 s). */
  timeoutMs?: number;
}

/** A module's summary and `with:` schema, or why it could not be loaded. */
export type ModuleDescription = { summary?: string; params?: unknown; error?: undefined } | { error: string };

type Distributive<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = Distributive<InspectRequest>;
type Loading = { module: string; namedIn: string[] };
type Outcome =
  | { ok: true; reply: InspectReply }
  | { ok: false; reason: string }
  /** It failed while loading this module: `say` words the problem given its `uses:` text. */
  | { ok: false; reason: string; culprit: Loading; say: (uses: string) => string };

export function defaultHostPath(): string {
  const beside = path.join(__dirname, 'inspect-host.js');
  return existsSync(beside) ? beside : path.resolve(__dirname, '../../dist/inspect-host.js');
}

function mtimeOf(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** `./stages/x.ts` as the pipeline file that names it would write it. */
function usesText(loading: Loading): string {
  const from = loading.namedIn.at(-1);
  if (!from) return path.basename(loading.module);
  const rel = path.relative(path.dirname(from), loading.module).split(path.sep).join('/');
  return rel.startsWith('../') ? rel : `./${rel}`;
}

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string;
  /** The request in flight's exit handler (one at a time). */
  onExit?: (info: { code: number | null; signal: NodeJS.Signals | null }) => void;
}

export class InspectClient {
  private child?: Child;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Modules that hung or ended the child, by path: skipped while their mtime is unchanged. */
  private readonly blamed = new Map<string, { mtime?: number; message: string }>();
  private readonly described = new Map<string, { mtime?: number; value: ModuleDescription }>();
  readonly hostPath: string;
  readonly timeoutMs: number;

  constructor(opts: InspectOptions = {}) {
    this.hostPath = opts.hostPath ?? defaultHostPath();
    this.timeoutMs = opts.timeoutMs ?? LOAD_TIMEOUT_MS;
  }

  /** The running child's process id, if one is running (for tests and logs). */
  get pid(): number | undefined {
    return this.child?.process.pid;
  }

  /**
   * Every problem in a pipeline text, its stage modules loaded in the child. A module that
   * hangs or ends the child gets an error on its `uses:` value and the rest is checked
   * without it. If the child cannot run at all, everything but the modules is checked here.
   */
  async validate(file: string, text: string): Promise<Diagnostic[]> {
    for (let round = 0; round <= MAX_BLAMES; round++) {
      const out = await this.request({ type: 'validate', file, text, skip: this.skipList() });
      if (out.ok && out.reply.type === 'validated') return out.reply.diagnostics;
      const reason = out.ok ? (out.reply.type === 'failed' ? out.reply.message : `unexpected reply '${out.reply.type}'`) : out.reason;
      if (!out.ok && 'culprit' in out && !this.blamed.has(out.culprit.module)) {
        this.blame(out.culprit, out.say);
        continue;
      }
      return this.withoutModules(file, text, reason);
    }
    return this.withoutModules(file, text, `more than ${MAX_BLAMES} stage modules failed to load`);
  }

  /**
   * A module's summary and schema, loaded in the child; cached until the file changes.
   * `from`: the pipeline file that names it (for wording a problem as its `uses:` does).
   */
  async describe(module: string, from?: string): Promise<ModuleDescription> {
    const mtime = mtimeOf(module);
    const blamed = this.freshBlame(module);
    if (blamed) return { error: blamed };
    const cached = this.described.get(module);
    if (cached && cached.mtime === mtime) return cached.value;
    const out = await this.request({ type: 'describe', module });
    let value: ModuleDescription;
    if (out.ok && out.reply.type === 'described') {
      value = out.reply.error !== undefined ? { error: out.reply.error } : { summary: out.reply.summary, params: out.reply.params };
    } else if (!out.ok && 'culprit' in out) {
      value = { error: this.blame({ module, namedIn: from ? [from] : [] }, out.say) };
    } else {
      // The child itself failed (not this module): do not cache, try again next time.
      return { error: out.ok ? `unexpected reply '${out.reply.type}'` : out.reason };
    }
    this.described.set(module, { mtime, value });
    return value;
  }

  /** Kills the child for good: later requests answer that the checker was shut down. */
  dispose(): void {
    this.disposed = true;
    this.stop();
  }

  private blame(culprit: Loading, say: (uses: string) => string): string {
    const message = say(usesText(culprit));
    this.blamed.set(culprit.module, { mtime: mtimeOf(culprit.module), message });
    return message;
  }

  private freshBlame(module: string): string | undefined {
    const b = this.blamed.get(module);
    if (!b) return undefined;
    if (b.mtime !== mtimeOf(module)) {
      this.blamed.delete(module);
      return undefined;
    }
    return b.message;
  }

  private skipList(): Record<string, string> {
    const skip: Record<string, string> = {};
    for (const module of [...this.blamed.keys()]) {
      const message = this.freshBlame(module);
      if (message !== undefined) skip[module] = message;
    }
    return skip;
  }

  /** The in-process check with no module loaded, plus a note saying why modules were not checked. */
  private async withoutModules(file: string, text: string, reason: string): Promise<Diagnostic[]> {
    const found = await validatePipeline(file, { text, loadModules: false });
    const uses = /^\s*-?\s*uses:\s*['"]?\.{1,2}\//m.test(text);
    if (!uses) return found;
    return [{ file: path.resolve(file), message: `stage modules were not checked: ${reason}`, severity: 'warning', code: 'modules-unchecked' }, ...found];
  }

  /** One request at a time: the module being loaded is then always this request's. */
  private request(req: Request): Promise<Outcome> {
    const run = this.queue.then(() => this.send(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private start(): Child {
    const proc = fork(this.hostPath, [], {
      execPath: process.execPath,
      // Inside VS Code, process.execPath is Electron: this makes it a plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      // The extension host's own flags (inspector ports, loaders) are not for the child.
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const child: Child = { process: proc, stderr: '', ready: undefined!, exited: undefined! };
    child.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        // Messages it sent just before exiting (which module it was loading) are read first.
        if (!proc.connected) return resolve({ code, signal });
        const done = () => (clearTimeout(cap), resolve({ code, signal }));
        const cap = setTimeout(done, 200);
        proc.once('disconnect', done);
      }),
    );
    child.ready = new Promise((resolve, reject) => {
      const onMessage = (m: InspectReply) => {
        if (m?.type !== 'ready') return;
        proc.off('message', onMessage);
        resolve();
      };
      proc.on('message', onMessage);
      // A failed spawn or send is reported here, never thrown into the extension host.
      proc.on('error', (e) => reject(e));
      void child.exited.then(({ code, signal }) => reject(new Error(`the checker process could not start (${signal ? `signal ${signal}` : `exit code ${code}`})${child.stderr ? `: ${child.stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`)));
    });
    child.ready.catch(() => undefined);
    proc.stderr?.on('data', (b: Buffer) => (child.stderr = (child.stderr + b.toString()).slice(-4000)));
    // An idle child never keeps the editor (or a test) alive; it exits when the channel closes.
    proc.unref();
    proc.channel?.unref();
    (proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    void child.exited.then((info) => {
      if (this.child === child) this.child = undefined;
      child.onExit?.(info);
    });
    return child;
  }

  private stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child) return Promise.resolve();
    // Referenced until it is gone: waiting for its exit must keep this process running.
    child.process.ref();
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    return child.exited.then(() => undefined);
  }

  private async send(req: Request): Promise<Outcome> {
    if (this.disposed) return { ok: false, reason: 'the checker was shut down' };
    if (!this.child) this.child = this.start();
    const child = this.child;
    // Busy: the child keeps this process alive until the request is answered.
    child.process.ref();
    try {
      return await this.exchange(child, req);
    } finally {
      child.process.unref();
    }
  }

  private async exchange(child: Child, req: Request): Promise<Outcome> {
    let startTimer: ReturnType<typeof setTimeout> | undefined;
    const started = await Promise.race([
      child.ready.then(() => undefined, (e: Error) => e.message),
      new Promise<string>((resolve) => (startTimer = setTimeout(() => resolve(`the checker process did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS))),
    ]);
    clearTimeout(startTimer);
    if (started !== undefined) {
      await this.stop();
      return { ok: false, reason: started };
    }
    const id = this.nextId++;
    return new Promise<Outcome>((resolve) => {
      let culprit: Loading | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      let timedOut = false;
      const finish = (out: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.onExit = undefined;
        child.process.off('message', onMessage);
        resolve(out);
      };
      // The clock restarts for each module: a slow pipeline of many modules is not a hang.
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          const seconds = `${Math.round(this.timeoutMs / 100) / 10} s`;
          const say = (uses: string) => `${uses} did not finish loading within ${seconds} (does it run code at top level?)`;
          const out: Outcome = culprit ? { ok: false, reason: say(path.basename(culprit.module)), culprit, say } : { ok: false, reason: `the check did not finish within ${seconds}` };
          void this.stop().then(() => finish(out));
        }, this.timeoutMs);
      };
      const onMessage = (m: InspectReply) => {
        if (!('id' in m) || m.id !== id) return;
        if (m.type === 'loading') {
          culprit = { module: m.module, namedIn: m.namedIn };
          arm();
        } else finish({ ok: true, reply: m });
      };
      child.process.on('message', onMessage);
      child.onExit = ({ code, signal }) => {
        if (timedOut) return;
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        const say = (uses: string) => `loading ${uses} ended the checker (${how})`;
        finish(culprit ? { ok: false, reason: say(path.basename(culprit.module)), culprit, say } : { ok: false, reason: `the checker process ended (${how})` });
      };
      arm();
      if (!child.process.connected) return finish({ ok: false, reason: 'the checker process ended before the request' });
      child.process.send({ ...req, id } as InspectRequest, (err: Error | null) => {
        if (err) finish({ ok: false, reason: `could not reach the checker process: ${err.message}` });
      });
    });
  }
}

// Drives the built session host (dist/session-host.js) through SessionClient, the way the
// adapter does. Run `npm run build` first (`npm test` does).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SessionClient } from '../../runtime/debug/client';
import type { LaunchConfig, SessionEvent } from '../../runtime/debug/protocol';
import { BASE_PIPELINE, toyWorkspace, type Workspace } from '../engine/fixture';

export const HOST = path.resolve(__dirname, '../../dist/session-host.js');

export { BASE_PIPELINE };

export type { Workspace };

export function workspace(pipeline = BASE_PIPELINE, rows = 200): Workspace {
  if (!fs.existsSync(HOST)) throw new Error(`${HOST} is missing: run \`npm run build\` first`);
  return toyWorkspace({ prefix: 'plumb-debug-', pipeline, rows, newRows: 20, newSeed: 9 });
}

/** 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`'${needle}' not in the pipeline text`);
  return i + 1;
}

export class Session {
  readonly events: SessionEvent[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly client: SessionClient) {
    client.on('event', (e) => {
      this.events.push(e);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(): Promise<Session> {
    return new Session(await SessionClient.start({ hostPath: HOST }));
  }

  /** The next event (after earlier waits) matching `pred`; fails after `ms`. */
  async next<E extends SessionEvent>(pred: (e: SessionEvent) => e is E, what: string, ms?: number): Promise<E>;
  async next(pred: (e: SessionEvent) => boolean, what: string, ms?: number): Promise<SessionEvent>;
  async next(pred: (e: SessionEvent) => boolean, what: string, ms = 15000): Promise<SessionEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      for (; this.cursor < this.events.length; this.cursor++) {
        const e = this.events[this.cursor];
        if (pred(e)) {
          this.cursor++;
          return e;
        }
        if (e.event === 'ended' && what !== 'ended') throw new Error(`run ended while waiting for ${what}: ${JSON.stringify(e)}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.slice(-8))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  stopped(): Promise<Extract<SessionEvent, { event: 'stopped' }>> {
    return this.next((e): e is Extract<SessionEvent, { event: 'stopped' }> => e.event === 'stopped', 'stopped');
  }

  ended(): Promise<Extract<SessionEvent, { event: 'ended' }>> {
    return this.next((e): e is Extract<SessionEvent, { event: 'ended' }> => e.event === 'ended', 'ended');
  }

  async launch(config: LaunchConfig, setup?: () => Promise<void>): Promise<void> {
    await this.client.request({ cmd: 'start', config });
    await setup?.();
    await this.client.request({ cmd: 'configurationDone' });
  }

  /** Top frame's name and the stage frame. */
  async where(): Promise<{ top: string; stage: string; frames: { id: number; name: string; kind: string; line: number }[] }> {
    const { frames } = await this.client.request({ cmd: 'stackTrace' });
    return { top: frames[0].name, stage: frames.find((f) => f.kind === 'stage')!.name, frames };
  }

  async scope(name: string): Promise<number> {
    const { frames } = await this.client.request({ cmd: 'stackTrace' });
    const stage = frames.find((f) => f.kind === 'stage')!;
    const { scopes } = await this.client.request({ cmd: 'scopes', frameId: stage.id });
    const s = scopes.find((x) => x.name === name);
    if (!s) throw new Error(`no scope '${name}' (have ${scopes.map((x) => x.name).join(', ')})`);
    return s.ref;
  }

  async close(): Promise<void> {
    await this.client.terminate();
  }
}

export function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

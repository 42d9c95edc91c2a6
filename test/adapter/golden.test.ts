// A golden DAP transcript: a small fixed session recorded request by request, normalised
// (no seq numbers, timings, absolute paths or run ids) and compared with
// test/adapter/golden/basic-session.json. UPDATE_GOLDEN=1 rewrites the file.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { lineOf, sessionPerTest, type Fixtures, type Session } from './helpers';

const GOLDEN = path.join(__dirname, 'golden', 'basic-session.json');
/** Events whose content or count depends on timing; the transcript leaves them out. */
const UNSTABLE_EVENTS = new Set(['output', 'plumb/monitor', 'process', 'progressStart', 'progressUpdate', 'progressEnd']);

type Entry = { request: string; arguments?: unknown } | { response: string; success: boolean; body?: unknown; message?: string } | { event: string; body?: unknown };

class Recorder {
  readonly entries: Entry[] = [];
  private seen = 0;
  constructor(
    private readonly s: Session,
    private readonly normalise: (v: unknown) => unknown,
  ) {}

  /** Sends a request, records it and its response, then the events that came with it. */
  async send(command: string, args?: unknown, waitFor: string[] = []): Promise<DebugProtocol.Response> {
    this.entries.push({ request: command, ...(args === undefined ? {} : { arguments: this.normalise(args) }) });
    const r = await this.s.dc.customRequest(command, args);
    this.entries.push({ response: command, success: r.success, ...(r.body === undefined ? {} : { body: this.normalise(r.body) }) });
    for (const kind of waitFor) await this.s.next(kind);
    this.flushEvents();
    return r;
  }

  flushEvents(): void {
    const all = this.s.events.all;
    for (; this.seen < all.length; this.seen++) {
      const e = all[this.seen];
      if (UNSTABLE_EVENTS.has(e.event)) continue;
      this.entries.push({ event: e.event, ...(e.body === undefined ? {} : { body: this.normalise(e.body) }) });
    }
  }
}

describe('adapter: golden transcript', () => {
  let fx: Fixtures;
  let s: Session;

  sessionPerTest((f, session) => {
    fx = f;
    s = session;
  });

  it('matches the recorded session', async () => {
    const file = fx.file('basic.pipeline.yaml');
    const normalise = (v: unknown): unknown =>
      JSON.parse(
        JSON.stringify(v)
          .split(fx.dir)
          .join('<fixtures>')
          .replace(/\d{8}-\d{6}-[0-9a-f]{6}/g, '<run>')
          .replace(/\d+(\.\d+)? ?ms\b/g, '<ms>'),
      );
    const rec = new Recorder(s, normalise);
    await rec.send('initialize', { adapterID: 'plumb', clientID: 'golden', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await rec.send('launch', { pipeline: file, store: fx.file('.plumb'), stopOnEntry: true }, ['initialized']);
    await rec.send('setBreakpoints', { source: { path: file }, breakpoints: [{ line: lineOf(file, '- stage: train_loop') }] });
    await rec.send('setExceptionBreakpoints', { filters: ['stage-failed'] });
    await rec.send('configurationDone', {}, ['stopped']);
    await rec.send('threads');
    const st = (await rec.send('stackTrace', { threadId: 1 })) as DebugProtocol.StackTraceResponse;
    const sc = (await rec.send('scopes', { frameId: st.body.stackFrames[0].id })) as DebugProtocol.ScopesResponse;
    const params = sc.body.scopes.find((x) => x.name === 'Params')!;
    await rec.send('variables', { variablesReference: params.variablesReference });
    await rec.send('next', { threadId: 1 }, ['stopped']);
    await rec.send('stackTrace', { threadId: 1, startFrame: 0, levels: 1 });
    await rec.send('continue', { threadId: 1 }, ['stopped']);
    await rec.send('continue', { threadId: 1 }, ['exited', 'terminated']);
    rec.flushEvents();

    const actual = JSON.stringify(rec.entries, null, 2) + '\n';
    if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(GOLDEN)) {
      if (!fs.existsSync(GOLDEN) && process.env.UPDATE_GOLDEN !== '1') assert.fail(`${GOLDEN} is missing: run with UPDATE_GOLDEN=1 to record it`);
      fs.mkdirSync(path.dirname(GOLDEN), { recursive: true });
      fs.writeFileSync(GOLDEN, actual);
      return;
    }
    assert.deepEqual(JSON.parse(actual), JSON.parse(fs.readFileSync(GOLDEN, 'utf8')));
  });
});

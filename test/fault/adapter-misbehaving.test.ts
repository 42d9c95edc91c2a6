// R4, adapter part: the misbehaving user stages of misbehaving-stages.test.ts, run under
// the built debug adapter (dist/adapter.js → dist/session-host.js) with DebugClient. Each
// must be reported to the client (an output event naming the stage, a stop on the
// 'stage-failed' exception filter, or exited/terminated with a message), the adapter must
// keep answering while the host is stuck, `terminate` must end a stuck run within a
// second, and no session host may outlive its case.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ADAPTER, alive, launch, openSession, waitFor, type Session } from '../adapter/helpers';
import { tagChildProcesses, taggedHosts } from './adapter-processes';
import { Failures, recordCheck, tempDir } from './helpers';

const STAGES = path.join(__dirname, 'fixtures', 'stages');
const TAG = tagChildProcesses('r4-adapter');

type Expect =
  /** Stops on the 'stage-failed' exception filter naming the stage; continue ends the run. */
  | { kind: 'exception'; message: RegExp }
  /** No filter: an output event names the stage; the run ends with a non-zero exit code. */
  | { kind: 'reported'; message: RegExp; category?: string }
  /** Never ends by itself: the adapter answers while it is stuck, terminate ends it. */
  | { kind: 'stuck' };

interface Case {
  stage: string;
  section?: 'feature' | 'training';
  launch?: Record<string, unknown>;
  expect: Expect;
}

const CASES: Case[] = [
  { stage: 'throws', expect: { kind: 'exception', message: /boom from a user stage/ } },
  { stage: 'throws', launch: { filters: [] }, expect: { kind: 'reported', message: /stage 'bad_one' failed after 1 attempt: boom from a user stage/, category: 'stderr' } },
  // Awaits a promise nothing can settle: the host's event loop empties, which it reports.
  { stage: 'hang-async', expect: { kind: 'reported', message: /stage 'bad_one' never finished: it is waiting on a promise that nothing can settle/, category: 'stderr' } },
  { stage: 'hang-async-timer', expect: { kind: 'stuck' } },
  { stage: 'hang-sync', expect: { kind: 'stuck' } },
  { stage: 'exit-0', expect: { kind: 'reported', message: /exited with code 0 while stage 'bad_one' was running/, category: 'important' } },
  { stage: 'exit-7', expect: { kind: 'reported', message: /exited with code 7 while stage 'bad_one' was running/, category: 'important' } },
  { stage: 'exit-later', expect: { kind: 'reported', message: /exited with code 0 while stage 'bad_one' was running/, category: 'important' } },
  { stage: 'memory-hog', launch: { maxMemoryMb: 128 }, expect: { kind: 'reported', message: /stage 'bad_one' was running.*out of memory/, category: 'important' } },
  { stage: 'returns-null', expect: { kind: 'exception', message: /returned null, expected a Table/ } },
  { stage: 'returns-object', expect: { kind: 'exception', message: /returned object, expected a Table/ } },
  { stage: 'returns-array', expect: { kind: 'exception', message: /expected a Table/ } },
  { stage: 'returns-ragged', expect: { kind: 'exception', message: /column 'b' has 1 rows, expected 3/ } },
  { stage: 'returns-fake-table', expect: { kind: 'exception', message: /expected a Table/ } },
  { stage: 'fit-returns-function', section: 'feature', expect: { kind: 'exception', message: /not plain JSON at \.f \(function\)/ } },
];

/** Resolves with the value, or rejects once `ms` have passed: "does it answer at all". */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

function outputs(s: Session): DebugProtocol.OutputEvent[] {
  return s.events.all.filter((e): e is DebugProtocol.OutputEvent => e.event === 'output');
}

async function stageStarted(s: Session, stage: string): Promise<void> {
  for (;;) {
    const e = await s.next('plumb/monitor', 20_000);
    const d = e.body as { type?: string; ref?: { stage?: string } };
    if (d.type === 'stage-start' && d.ref?.stage === stage) return;
  }
}

/** Runs one case; returns what went wrong, or undefined. Measured figures go into `figures`. */
async function runCase(dir: string, c: Case, figures: Record<string, unknown>): Promise<string | undefined> {
  const file = path.join(dir, `${c.stage}.pipeline.yaml`);
  fs.writeFileSync(file, `pipeline: p\ndata: { train: d.csv }\n${c.section ?? 'training'}:\n  - stage: bad_one\n    uses: ./${c.stage}.js\n`);
  const { filters = ['stage-failed'], ...extra } = c.launch ?? {};
  const s = await openSession();
  let hostPid = -1;
  try {
    await launch(s, { pipeline: file, cwd: dir, store: path.join(dir, '.plumb'), ...extra }, async () => {
      await s.dc.setExceptionBreakpointsRequest({ filters: filters as string[] });
    });
    hostPid = ((await s.next('process', 5000)).body as { systemProcessId: number }).systemProcessId;
    const e = c.expect;
    if (e.kind === 'exception') {
      const stop = await s.nextStop(30_000);
      if (stop.body.reason !== 'exception') return `stopped for '${stop.body.reason}', expected 'exception'`;
      const said = `${stop.body.description ?? ''} ${stop.body.text ?? ''}`;
      if (!/bad_one/.test(said) || !e.message.test(said)) return `the stop does not name the stage and the error: ${said}`;
      const info = await s.dc.exceptionInfoRequest({ threadId: 1 });
      const details = info.body.details as { stage?: string; message?: string } | undefined;
      if (details?.stage !== 'bad_one' || !e.message.test(details.message ?? '')) return `exceptionInfo: ${JSON.stringify(info.body)}`;
      await s.dc.continueRequest({ threadId: 1 });
      const exited = (await s.next('exited', 10_000)) as DebugProtocol.ExitedEvent;
      if (exited.body.exitCode === 0) return 'a failed run exited with code 0';
      await s.next('terminated', 5000);
    } else if (e.kind === 'reported') {
      const exited = (await s.next('exited', 60_000)) as DebugProtocol.ExitedEvent;
      await s.next('terminated', 5000);
      if (exited.body.exitCode === 0) return 'the run exited with code 0';
      const said = outputs(s).filter((o) => !e.category || o.body.category === e.category).map((o) => o.body.output);
      if (!said.some((t) => e.message.test(t))) return `no ${e.category ?? ''} output matches ${e.message}: ${JSON.stringify(outputs(s).map((o) => [o.body.category, o.body.output.slice(0, 200)]))}`;
      // The adapter outlives its host and still answers.
      const threads = await within(1000, 'threads after the host died', s.dc.threadsRequest());
      if (threads.body.threads.length !== 0) return `threads after the end: ${JSON.stringify(threads.body.threads)}`;
    } else {
      await stageStarted(s, 'bad_one');
      await new Promise((r) => setTimeout(r, 300)); // well inside the stuck stage
      const threads = await within(1000, 'threads while the host is stuck', s.dc.threadsRequest());
      if (threads.body.threads.length !== 1) return `threads while stuck: ${JSON.stringify(threads.body.threads)}`;
      // Pause is answered (the host may not be able to stop inside the stage; it must not hang the client).
      const paused = await within(2000, 'pause while the host is stuck', s.dc.pauseRequest({ threadId: 1 }).then(() => undefined, (err: Error) => err));
      if (paused && !/stage 'bad_one'/.test(paused.message)) return `pause failed without naming the stage: ${paused.message}`;
      figures[`${c.stage}: pause answer`] = paused ? `error: ${paused.message}` : 'ok';
      const t0 = Date.now();
      await within(1000, 'terminate', s.dc.terminateRequest({}));
      await within(1000 - (Date.now() - t0), 'exited after terminate', s.next('exited', 1000));
      await within(1000, 'terminated after terminate', s.next('terminated', 1000));
      await waitFor(() => !alive(hostPid), Math.max(0, 1000 - (Date.now() - t0)), `host ${hostPid} alive 1 s after terminate`);
      figures[`${c.stage}: terminate → host gone (ms)`] = Date.now() - t0;
    }
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await s.stop().catch(() => undefined);
    if (hostPid > 0 && alive(hostPid)) {
      process.kill(hostPid, 'SIGKILL');
      return `host ${hostPid} outlived its session`;
    }
  }
}

test('R4 (adapter): misbehaving stages under the debug adapter are reported, stay terminable, leave no process', { timeout: 300_000 }, async (t) => {
  assert.ok(fs.existsSync(ADAPTER), 'dist/adapter.js is built (npm run build)');
  const dir = fs.realpathSync(tempDir(t, 'plumb-adapter-r4-'));
  fs.writeFileSync(path.join(dir, 'd.csv'), 'x,y\n1,2\n3,4\n');
  for (const f of fs.readdirSync(STAGES)) fs.copyFileSync(path.join(STAGES, f), path.join(dir, f));
  const failures = new Failures();
  const figures: Record<string, unknown> = {};
  for (const c of CASES) {
    const label = `${c.stage}${c.launch ? ` ${JSON.stringify(c.launch)}` : ''}`;
    const problem = await runCase(dir, c, figures);
    if (problem) failures.add(`${label}: ${problem}`);
  }
  const leftovers = taggedHosts(TAG);
  if (leftovers.length) failures.add(`session hosts left running: ${leftovers.join(', ')}`);
  leftovers.forEach((p) => process.kill(p, 'SIGKILL'));

  await recordCheck('R4-misbehaving-stages-adapter', {
    title: 'Misbehaving user stages under the debug adapter',
    trials: CASES.length,
    cases: CASES.length,
    failures: failures.count,
    examples: failures.examples,
    stages: CASES.map((c) => `${c.stage} → ${c.expect.kind}${c.launch ? ` ${JSON.stringify(c.launch)}` : ''}`),
    leftoverHosts: leftovers.length,
    ...figures,
  });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

test('R4 (adapter): maxMemoryMb must be a whole number of MB from 64', async () => {
  const s = await openSession();
  try {
    await s.dc.initializeRequest();
    const err = await s.dc.launchRequest({ pipeline: 'x.pipeline.yaml', maxMemoryMb: 12 } as DebugProtocol.LaunchRequestArguments).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.match(String(err?.message), /'maxMemoryMb' must be a whole number of megabytes from 64, got 12/);
  } finally {
    await s.stop();
  }
});

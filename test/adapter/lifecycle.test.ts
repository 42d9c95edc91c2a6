// The session's life through the built adapter: launch errors, terminate while a stage
// spins forever, a stage that kills its own process, restart, and run to the end.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { alive, childPids, launch, lineOf, openSession, sessionPerTest, topFrame, waitFor, type Fixtures, type Session } from './helpers';

type MonitorData = { type: string; runId: string; status?: string; version?: number; error?: { message: string } };
const monitorEvents = (s: Session): MonitorData[] => s.events.all.filter((e) => e.event === 'plumb/monitor').map((e) => e.body as MonitorData);

/** The session's one run started and ended (once), and its run-end came before 'terminated'. */
function assertRunEnded(s: Session, status: string): MonitorData {
  const all = s.events.all;
  const starts = monitorEvents(s).filter((d) => d.type === 'run-start');
  const ends = monitorEvents(s).filter((d) => d.type === 'run-end');
  assert.equal(starts.length, 1, 'one run-start');
  assert.equal(ends.length, 1, `one run-end: ${JSON.stringify(ends)}`);
  assert.equal(ends[0].runId, starts[0].runId);
  assert.equal(ends[0].status, status);
  const endAt = all.findIndex((e) => e.event === 'plumb/monitor' && (e.body as MonitorData).type === 'run-end');
  const terminatedAt = all.findIndex((e) => e.event === 'terminated');
  assert.ok(terminatedAt < 0 || endAt < terminatedAt, 'run-end comes before terminated');
  return ends[0];
}

/** output.score[0] / output.x[0] at the current stop: train_loop's factor. */
async function factorSeen(s: Session): Promise<number> {
  const frame = await topFrame(s);
  const ev = async (e: string): Promise<number> => Number((await s.dc.evaluateRequest({ expression: e, frameId: frame.id, context: 'repl' })).body.result);
  return (await ev('output.score[0]')) / (await ev('output.x[0]'));
}

describe('adapter: life cycle', () => {
  let fx: Fixtures;
  let s: Session;
  const store = (): string => fx.file('.plumb');

  sessionPerTest((f, session) => {
    fx = f;
    s = session;
  });

  it('advertises only what it implements', async () => {
    const r = await s.dc.initializeRequest();
    const caps = r.body!;
    assert.equal(caps.supportsConfigurationDoneRequest, true);
    assert.equal(caps.supportsStepBack, true);
    assert.equal(caps.supportsRestartFrame, true);
    assert.equal(caps.supportsDataBreakpoints, undefined);
    assert.equal(caps.supportsGotoTargetsRequest, undefined);
    assert.deepEqual(caps.completionTriggerCharacters, ['.', '[']);
    assert.deepEqual(caps.exceptionBreakpointFilters?.map((f) => [f.filter, f.default ?? false]), [
      ['stage-failed', true],
      ['retry-attempt', false],
      ['data-warning', false],
    ]);
    // No initialized event before a launch has started the host.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.events.all.filter((e) => e.event === 'initialized').length, 0);
  });

  it('a bad pipeline file fails the launch with file:line:col diagnostics', async () => {
    const bad = fx.file('bad.pipeline.yaml');
    fs.writeFileSync(bad, 'pipeline: bad\ndata: { train: data/small.csv }\ntraining:\n  - stage: x\n    uses: no-such-stage\n');
    await s.dc.initializeRequest();
    const err = await s.dc.launchRequest({ pipeline: 'bad.pipeline.yaml', cwd: fx.dir, store: store() } as DebugProtocol.LaunchRequestArguments).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err, 'launch must fail');
    assert.match(err.message, /bad\.pipeline\.yaml:5:\d+/);
    assert.equal(s.events.all.filter((e) => e.event === 'initialized').length, 0);
    // The adapter is still there and answers.
    const threads = await s.dc.threadsRequest();
    assert.deepEqual(threads.body.threads, []);
  });

  it('runs to the end: exited with code 0, then terminated', async () => {
    await launch(s, { pipeline: fx.file('basic.pipeline.yaml'), store: store() });
    const exited = (await s.next('exited')) as DebugProtocol.ExitedEvent;
    assert.equal(exited.body.exitCode, 0);
    await s.next('terminated');
    const monitor = s.events.all.filter((e) => e.event === 'plumb/monitor');
    assert.ok(monitor.some((e) => (e.body as { type?: string }).type === 'run-end'), 'monitor events reach the client');
  });

  it('terminate ends a stage stuck in while(true) within a second, host process included', async () => {
    await launch(s, { pipeline: fx.file('spin.pipeline.yaml'), store: store() });
    // Wait until the host is up and the stage is spinning (its process pegged).
    await waitFor(() => s.hostPids.size > 0, 5000, 'a session host to start');
    await new Promise((r) => setTimeout(r, 300));
    const hosts = [...s.hostPids];
    const t0 = Date.now();
    await s.dc.terminateRequest({});
    await s.next('exited', 1000);
    await s.next('terminated', 1000);
    await waitFor(() => hosts.every((p) => !alive(p)), Math.max(0, 1000 - (Date.now() - t0)), `host ${hosts.join(', ')} still alive`);
    // The killed host never ended its run; the views still get a final run-end.
    assertRunEnded(s, 'cancelled');
  });

  it('terminate while paused at entry still sends the run its run-end (cancelled)', async () => {
    await launch(s, { pipeline: fx.file('basic.pipeline.yaml'), store: store(), stopOnEntry: true });
    assert.equal((await s.nextStop()).body.reason, 'entry');
    await s.dc.terminateRequest({});
    await s.next('terminated');
    const end = assertRunEnded(s, 'cancelled');
    assert.match(end.error?.message ?? '', /terminated/);
  });

  it('disconnect while paused still sends the run its run-end', async () => {
    await launch(s, { pipeline: fx.file('basic.pipeline.yaml'), store: store(), stopOnEntry: true });
    await s.nextStop();
    await s.dc.disconnectRequest({});
    await waitFor(() => monitorEvents(s).some((d) => d.type === 'run-end'), 3000, 'a run-end after disconnect');
    assertRunEnded(s, 'cancelled');
  });

  it('a stage that kills its own process is reported and the session ends cleanly', async () => {
    await launch(s, { pipeline: fx.file('suicide.pipeline.yaml'), store: store() });
    let e = (await s.next('output')) as DebugProtocol.OutputEvent;
    while (e.body.category !== 'important') e = (await s.next('output')) as DebugProtocol.OutputEvent;
    assert.match(e.body.output, /SIGKILL|exit|ended|died/i, e.body.output);
    const exited = (await s.next('exited')) as DebugProtocol.ExitedEvent;
    assert.notEqual(exited.body.exitCode, 0);
    await s.next('terminated');
    // The run's views learn it is over: failed, with the reason.
    const end = assertRunEnded(s, 'failed');
    assert.match(end.error?.message ?? '', /crash|SIGKILL/);
    // The adapter stays responsive after its host died.
    const threads = await s.dc.threadsRequest();
    assert.deepEqual(threads.body.threads, []);
    assert.deepEqual(childPids(s.adapterPid()).filter(alive), []);
  });

  it('restart relaunches with the same arguments and keeps the breakpoints', async () => {
    const file = fx.file('basic.pipeline.yaml');
    const scale = lineOf(file, '- stage: scale');
    let id = -1;
    await launch(s, { pipeline: file, store: store() }, async () => {
      // Set twice, so the id the client knows is not the one a fresh host hands out first.
      await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: scale }] });
      const r = await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: scale }] });
      id = r.body.breakpoints[0].id!;
    });
    assert.deepEqual((await s.nextStop()).body.hitBreakpointIds, [id]);
    assert.equal((await topFrame(s)).line, scale);
    await waitFor(() => s.hostPids.size > 0, 5000, 'a session host');
    const firstHosts = [...s.hostPids];

    await s.dc.restartRequest({});
    const again = await s.nextStop();
    assert.equal(again.body.reason, 'breakpoint');
    assert.deepEqual(again.body.hitBreakpointIds, [id], 'breakpoint ids stay the ones the client knows');
    assert.equal((await topFrame(s)).line, scale);
    assert.equal(s.events.all.filter((e) => e.event === 'terminated').length, 0, 'a restart is not the end of the session');
    await waitFor(() => firstHosts.every((p) => !alive(p)), 2000, 'the first host to be gone');
  });

  it('restart with updated arguments (a changed param) runs with the new value; the old run ends first', async () => {
    const file = fx.file('basic.pipeline.yaml');
    const args = { pipeline: file, store: store(), stopAfterStage: 'train_loop' };
    await launch(s, { ...args, params: { factor: 2 } });
    await s.nextStop();
    assert.ok(Math.abs((await factorSeen(s)) - 2) < 1e-6);

    await s.dc.restartRequest({ arguments: { ...args, params: { factor: 3 } } } as DebugProtocol.RestartArguments);
    await s.nextStop();
    assert.ok(Math.abs((await factorSeen(s)) - 3) < 1e-6, 'the restarted run uses the new param');
    const runs = monitorEvents(s).filter((d) => d.type === 'run-start' || d.type === 'run-end');
    assert.deepEqual(runs.map((d) => [d.type, d.status]), [['run-start', undefined], ['run-end', 'cancelled'], ['run-start', undefined]]);
    assert.equal(runs[1].runId, runs[0].runId);
    assert.notEqual(runs[2].runId, runs[0].runId);
  });

  it("mode 'inference' with a version replays that version; the thread says inference", async () => {
    const file = fx.file('basic.pipeline.yaml');
    await launch(s, { pipeline: file, store: store() });
    assert.equal(((await s.next('exited')) as DebugProtocol.ExitedEvent).body.exitCode, 0);
    assert.equal(monitorEvents(s).find((d) => d.type === 'run-end')?.version, 1, 'training saved version 1');
    const s2 = await openSession();
    try {
      await launch(s2, { pipeline: file, store: store(), mode: 'inference', version: 1, stopOnEntry: true });
      await s2.nextStop();
      const threads = await s2.dc.threadsRequest();
      assert.deepEqual(threads.body.threads.map((t) => t.name), ['basic (inference)']);
      const frames = (await s2.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      assert.deepEqual(frames.map((f) => f.name), ['impute · impute', 'feature', 'basic (inference)']);
      // The fitted state comes from version 1: impute's medians are there before it runs.
      const scopes = new Map((await s2.dc.scopesRequest({ frameId: frames[0].id })).body.scopes.map((x) => [x.name, x]));
      const state = (await s2.dc.variablesRequest({ variablesReference: scopes.get('State')!.variablesReference })).body.variables;
      assert.ok(state.some((v) => v.name === 'impute'), `state: ${state.map((v) => v.name).join(', ')}`);
      await s2.dc.continueRequest({ threadId: 1 });
      assert.equal(((await s2.next('exited')) as DebugProtocol.ExitedEvent).body.exitCode, 0);
      const end = monitorEvents(s2).find((d) => d.type === 'run-end');
      assert.deepEqual([end?.status, end?.version], ['ok', 1]);
      const stages = monitorEvents(s2).filter((d) => d.type === 'stage-start').map((d) => (d as unknown as { ref: { stage: string } }).ref.stage);
      assert.deepEqual(stages, ['impute', 'scale'], 'inference runs the feature stages only (basic has no inference section)');
    } finally {
      await s2.stop();
    }
  });

  it('noDebug runs straight through (no stops, breakpoints ignored) and is still monitored', async () => {
    const file = fx.file('basic.pipeline.yaml');
    await launch(s, { pipeline: file, store: store(), noDebug: true, stopOnEntry: true }, async () => {
      await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: lineOf(file, '- stage: scale') }] });
    });
    assert.equal(((await s.next('exited')) as DebugProtocol.ExitedEvent).body.exitCode, 0);
    await s.next('terminated');
    assert.equal(s.events.all.filter((e) => e.event === 'stopped').length, 0);
    const stages = monitorEvents(s).filter((d) => d.type === 'stage-end').map((d) => (d as unknown as { ref: { stage: string } }).ref.stage);
    assert.deepEqual(stages, ['impute', 'scale', 'train_loop', 'finish']);
    assertRunEnded(s, 'ok');
  });

  it('nothing runs before configurationDone', async () => {
    const file = fx.file('basic.pipeline.yaml');
    await s.dc.initializeRequest({ adapterID: 'plumb', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await s.dc.launchRequest({ pipeline: file, store: store() } as DebugProtocol.LaunchRequestArguments);
    await s.next('initialized');
    await new Promise((r) => setTimeout(r, 1000));
    const early = s.events.all.filter((e) => e.event === 'plumb/monitor' || e.event === 'output' || e.event === 'stopped' || e.event === 'exited');
    assert.deepEqual(early.map((e) => e.event), [], 'the run waits for configurationDone');
    await s.dc.configurationDoneRequest();
    assert.equal(((await s.next('exited')) as DebugProtocol.ExitedEvent).body.exitCode, 0);
    assertRunEnded(s, 'ok');
  });
});

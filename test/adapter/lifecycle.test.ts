// The session's life through the built adapter: launch errors, terminate while a stage
// spins forever, a stage that kills its own process, restart, and run to the end.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { alive, childPids, launch, lineOf, sessionPerTest, topFrame, waitFor, type Fixtures, type Session } from './helpers';

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
  });

  it('a stage that kills its own process is reported and the session ends cleanly', async () => {
    await launch(s, { pipeline: fx.file('suicide.pipeline.yaml'), store: store() });
    let e = (await s.next('output')) as DebugProtocol.OutputEvent;
    while (e.body.category !== 'important') e = (await s.next('output')) as DebugProtocol.OutputEvent;
    assert.match(e.body.output, /SIGKILL|exit|ended|died/i, e.body.output);
    const exited = (await s.next('exited')) as DebugProtocol.ExitedEvent;
    assert.notEqual(exited.body.exitCode, 0);
    await s.next('terminated');
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
});

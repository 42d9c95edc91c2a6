// The metrics panel host (src/metrics/panel.ts) against a real store: saved runs go to the
// page as summaries with the newest run in full, and a run the page selects is sent in full.
import './use-vscode-panel-stub';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline, runPipeline, Store } from '../../runtime/index';
import type { RunRecord } from '../../runtime/monitor/record';
import { MetricsPanel } from '../../src/metrics/panel';
import { isRunRecord, summarizeRun, type HostMessage } from '../../src/metrics/messages';
import { workspace, type Workspace } from '../engine/fixture';
import * as stub from './vscode-panel-stub';

let ws: Workspace;
let records: RunRecord[];

before(async () => {
  ws = workspace(undefined, 200);
  await runPipeline(await loadPipeline(ws.file), { mode: 'train' });
  await runPipeline(await loadPipeline(ws.file, { overrides: ['epochs=30'] }), { mode: 'train' });
  await runPipeline(await loadPipeline(ws.file), { mode: 'inference' });
  const spec = await loadPipeline(ws.file);
  records = ((await new Store(spec.store).listRuns('toy')) as unknown[]).filter(isRunRecord).sort((a, b) => a.start - b.start);
  assert.equal(records.length, 3);
});

after(() => ws?.cleanup());

const log = { appendLine() {} } as never;

async function until<T>(what: string, get: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function lastOf<T extends HostMessage['type']>(panel: stub.FakePanel, type: T, from = 0): Extract<HostMessage, { type: T }> | undefined {
  return (panel.posted.slice(from) as HostMessage[]).filter((m) => m.type === type).at(-1) as Extract<HostMessage, { type: T }> | undefined;
}

test('history: every saved run as a summary, only the newest in full; a selected run is sent in full on request', async () => {
  const host = new MetricsPanel(stub.Uri.file('/ext') as never, log);
  try {
    await host.show(ws.file);
    const panel = stub.panels.at(-1)!;
    const history = await until('history', () => lastOf(panel, 'history'));
    assert.equal(history.pipeline, 'toy');
    assert.deepEqual(history.runs, records.map(summarizeRun));
    assert.ok(history.runs.every((r) => !('format' in r) && r.stages.every((s) => !('attempts' in s))), 'no full records among the summaries');
    assert.deepEqual(history.details, [records[2]]);
    // The summary carries what the history charts need.
    const fit = history.runs[0].stages.find((s) => s.stage === 'fit')!;
    const fullFit = records[0].stages.find((s) => s.stage === 'fit')!;
    assert.equal(fit.durationMs, fullFit.durationMs);
    assert.equal(fit.retries, fullFit.attempts.length - 1);
    assert.equal(history.runs[0].metrics['fit · loss'], fullFit.metrics.loss.at(-1)!.value);

    // The page picks the oldest run: the host answers with its full record.
    const before = panel.posted.length;
    panel.send({ type: 'selected', runId: records[0].runId });
    const run = await until('run', () => lastOf(panel, 'run', before));
    assert.deepEqual(run.run, records[0]);

    // A reloaded page gets the selected run's record with the history.
    const mark = panel.posted.length;
    panel.send({ type: 'ready' });
    const again = await until('history after ready', () => lastOf(panel, 'history', mark));
    assert.deepEqual(again.details?.map((r) => r.runId), [records[0].runId, records[2].runId]);

    // An unknown run id or a malformed message gets no record and breaks nothing.
    const mark2 = panel.posted.length;
    panel.send({ type: 'selected', runId: 'no-such-run' });
    panel.send({ type: 'selected', runId: 42 });
    panel.send({ type: 'ready' });
    await until('history after bad selections', () => lastOf(panel, 'history', mark2));
    assert.equal(lastOf(panel, 'run', mark2), undefined);
  } finally {
    host.dispose();
  }
});

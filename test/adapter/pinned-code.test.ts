// An inference launch through the built adapter replays the version's pinned stage code;
// the launch attribute `workingCopy: true` runs the edited files and says what differs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { loadPipeline, runPipeline } from '../../runtime';
import { setup } from '../engine/pinned-fixture';
import { launch, openSession } from './helpers';

type MonitorData = { type: string; status?: string; error?: { message: string } };

async function inference(file: string, extra: Record<string, unknown>): Promise<{ output: string; end: MonitorData }> {
  const s = await openSession();
  try {
    await launch(s, { pipeline: file, mode: 'inference', noDebug: true, ...extra });
    await s.next('terminated', 30_000);
    const output = s.events.all.filter((e) => e.event === 'output').map((e) => (e as DebugProtocol.OutputEvent).body.output).join('');
    const end = s.events.all.map((e) => e.body as MonitorData).find((d) => d?.type === 'run-end');
    assert.ok(end, 'the run ended');
    return { output, end };
  } finally {
    await s.stop();
  }
}

test('debugger inference launch: pinned code by default, workingCopy runs the edit and reports the drift', async () => {
  const ws = setup();
  try {
    const trained = await runPipeline(await loadPipeline(ws.file), { mode: 'train' });
    assert.equal(trained.status, 'ok', trained.error?.message);
    // The edited module fails as soon as it runs: only the working copy may run it.
    ws.write('stages/boost.ts', `export default function boost(): never {\n  throw new Error('the edited boost ran');\n}\n`);

    const pinned = await inference(ws.file, {});
    assert.equal(pinned.end.status, 'ok', JSON.stringify(pinned.end));
    assert.match(pinned.output, /stages\/boost\.ts changed since version 1 was trained: running version 1's own pinned spec and code/);

    const working = await inference(ws.file, { workingCopy: true });
    assert.equal(working.end.status, 'failed');
    assert.match(working.end.error?.message ?? '', /the edited boost ran/);
    assert.match(working.output, /running the working copy, not version 1's pinned spec and code/);
    assert.match(working.output, /stage 'boost' \(stages\/boost\.ts\): stages\/boost\.ts changed \(sha256 [0-9a-f]{12} → [0-9a-f]{12}\)/);
  } finally {
    ws.cleanup();
  }
});

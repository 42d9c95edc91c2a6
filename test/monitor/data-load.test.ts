// Reading the data file is its own line everywhere a run is shown: the engine's data-load
// events, the run record (monitor), `plumb run`'s progress, `plumb trace`, and the metrics
// panel's messages. A real run of the fixture pipeline (through the runtime API and the
// built CLI) feeds each of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPipeline, runPipeline, Store } from '../../runtime/index';
import type { EngineEvent } from '../../runtime/engine/events';
import { formatTrace } from '../../runtime/monitor/trace';
import { ProgressView } from '../../runtime/cli/progress';
import { historyMessage, isRunRecord, summarizeRun } from '../../src/metrics/messages';
import { workspace, type Workspace } from '../engine/fixture';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
let ws: Workspace;
let csvBytes = 0;

before(() => {
  ws = workspace(undefined, 300);
  csvBytes = fs.statSync(path.join(ws.dir, 'data', 'train.csv')).size;
});
after(() => ws?.cleanup());

function plumb(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ws.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the engine announces the read, and the run record keeps its time, rows, bytes and MB/s', async () => {
  const events: EngineEvent[] = [];
  const res = await runPipeline(await loadPipeline(ws.file), { store: false, stopAfter: 'scale', onEvent: (e) => void events.push(e) });
  assert.equal(res.status, 'ok');
  const types = events.map((e) => e.type);
  const startAt = types.indexOf('data-load-start');
  const endAt = types.indexOf('data-load-end');
  assert.ok(startAt > types.indexOf('run-start') && endAt > startAt && endAt < types.indexOf('stage-start'), types.join(' '));
  const end = events[endAt] as Extract<EngineEvent, { type: 'data-load-end' }>;
  assert.equal(end.file, path.join(ws.dir, 'data', 'train.csv'));
  assert.equal(end.rows, 300);
  assert.equal(end.columns, 4);
  assert.equal(end.bytes, csvBytes);

  const d = res.record.data!;
  assert.equal(d.status, 'ok');
  assert.equal(d.rows, 300);
  assert.equal(d.columns, 4);
  assert.equal(d.bytes, csvBytes);
  assert.equal(d.durationMs, end.durationMs);
  assert.ok(d.start >= res.record.start && d.start <= res.record.stages[0].start!);
  assert.ok(Math.abs(d.mbPerSec - csvBytes / 1000 / d.durationMs!) < 1e-9);
});

test('a run that fails while reading records the read as failed', async () => {
  const spec = await loadPipeline(ws.file);
  const bad = ws.write('data/bad.csv', 'x,y,plan,label\n1,"2,basic,yes\n');
  const res = await runPipeline(spec, { store: false, data: bad });
  assert.equal(res.status, 'failed');
  assert.equal(res.record.data?.status, 'failed');
  assert.equal(res.record.data?.file, bad);
  assert.ok(res.record.data!.durationMs! >= 0);
  assert.ok(res.record.stages.every((s) => s.status === 'skipped'));
});

test('plumb run shows the read as its own line; plumb trace shows it in the tree', () => {
  const run = plumb(['run', 'toy.pipeline.yaml']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stderr.split('\n');
  const read = lines.findIndex((l) => /✓ read data\s+\S+ m?s\s+300 rows · [\d.]+ kB · [\d.]+ MB\/s\s+train\.csv$/.test(l));
  assert.ok(read > 0, run.stderr);
  assert.ok(read < lines.findIndex((l) => l === 'feature'), 'the read comes before the first section');

  const trace = plumb(['trace', 'toy.pipeline.yaml']);
  assert.equal(trace.code, 0, trace.stderr);
  const tree = trace.stdout.split('\n');
  const data = tree.findIndex((l) => /^├─ ✓ data\s+\S+ m?s\s+300 rows × 4 columns · [\d.]+ kB · [\d.]+ MB\/s\s+train\.csv$/.test(l));
  assert.ok(data > 0, trace.stdout);
  assert.ok(data < tree.findIndex((l) => /feature/.test(l)), trace.stdout);
});

test('on a terminal the read is a live line until it ends', () => {
  let screen = '';
  const view = new ProgressView({ tty: true, color: false, write: (s) => void (screen += s), columns: 100 });
  const file = '/data/train.csv';
  view.handle({ type: 'run-start', runId: 'r', pipeline: 'p', file: 'p.yaml', mode: 'train', time: 0, stages: [] });
  view.handle({ type: 'data-load-start', runId: 'r', file, time: 0 });
  assert.match(screen, /\r\x1b\[2K {2}… read data {10}train\.csv$/);
  view.handle({ type: 'data-load-end', runId: 'r', file, time: 2000, durationMs: 2000, rows: 1_000_000, columns: 21, bytes: 152_000_000 });
  assert.match(screen, /\r\x1b\[2K {2}✓ read data {12}2\.00 s {2}1,000,000 rows · 152 MB · 76 MB\/s {2}train\.csv\n$/);
});

test('the metrics panel gets the read in each run summary and record; the trace formats a saved record', async () => {
  const spec = await loadPipeline(ws.file);
  const records = ((await new Store(spec.store).listRuns('toy')) as unknown[]).filter(isRunRecord);
  assert.ok(records.length > 0);
  const message = historyMessage('toy', records, []);
  for (const [i, summary] of message.runs.entries()) {
    assert.deepEqual(summary.data, records[i].data);
    assert.equal(summary.data?.rows, 300);
    assert.equal(summary.data?.bytes, csvBytes);
  }
  assert.deepEqual(summarizeRun(records[0]).data, records[0].data);
  assert.equal(message.details?.at(-1)?.data?.status, 'ok');
  // A record without a read (older runs, or a pipeline without a data file) has no data line.
  const { data: _gone, ...older } = records[0];
  assert.ok(!formatTrace(older).includes(' data '));
  assert.match(formatTrace(records[0], { ascii: true }), /\n\|- \+ data {2}\S+ m?s {2}300 rows x 4 columns - [\d.]+ kB - [\d.]+ MB\/s {2}train\.csv\n/);
});

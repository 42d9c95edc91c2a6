// The CLI as a process: the built dist/cli.js, exactly what users and CI run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workspace, BASE_PIPELINE } from '../engine/fixture';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function plumb(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ageFiles(dir: string, seconds: number): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) ageFiles(p, seconds);
    else fs.utimesSync(p, seconds, seconds);
  }
}

test('run, versions, tag, inference by alias, metrics, trace, gc', () => {
  const ws = workspace();
  try {
    const f = 'toy.pipeline.yaml';
    const first = plumb(['run', f], ws.dir);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /✓ fit/);
    assert.match(first.stderr, /version 1/);

    const second = plumb(['run', f, '--set', 'lr=0.1', '--json'], ws.dir);
    assert.equal(second.code, 0, second.stderr);
    const j = JSON.parse(second.stdout);
    assert.equal(j.ok, true);
    assert.equal(j.version, 2);
    assert.equal(typeof j.metrics.accuracy, 'number');
    assert.equal(j.record.stages.length, 6);

    assert.equal(plumb(['versions', f, 'tag', 'champion', '1'], ws.dir).code, 0);
    const list = plumb(['versions', f], ws.dir);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /v1 .*\[champion\]/);
    assert.match(list.stdout, /v2 /);
    const listed = JSON.parse(plumb(['versions', f, '--json'], ws.dir).stdout);
    assert.deepEqual(listed.map((v: { version: number }) => v.version), [1, 2]);

    const diff = JSON.parse(plumb(['versions', f, 'diff', '1', '2', '--json'], ws.dir).stdout);
    assert.deepEqual(diff.params, [{ key: 'lr', from: 0.5, to: 0.1 }]);
    const readableDiff = plumb(['versions', f, 'diff', '1', '2'], ws.dir);
    assert.equal(readableDiff.code, 0, readableDiff.stderr);
    assert.match(readableDiff.stdout, /^toy: version 1 → version 2\n/);
    assert.match(readableDiff.stdout, /\n {2}lr +0\.5 → 0\.1\n/);
    assert.match(readableDiff.stdout, /\n {2}accuracy +[\d.]+ → [\d.]+ {2}\([+-][\d.e-]+\)\n/);
    assert.match(readableDiff.stdout, /\n {2}model +changed\n/);
    assert.throws(() => JSON.parse(readableDiff.stdout), 'without --json the diff is text, not JSON');

    const shown = plumb(['versions', f, 'show', 'champion'], ws.dir);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^toy version 1 {2}\[champion\]\n/);
    assert.match(shown.stdout, /\n {2}lr +0\.5\n/);
    assert.match(shown.stdout, /\nmetrics\n {2}accuracy +0\.\d+/);
    assert.match(shown.stdout, /\n {2}training fit +logistic-regression\n/);
    assert.match(shown.stdout, /\n {2}model +[\d.]+ k?B {2}[0-9a-f]{12}\n/);
    const shownJson = JSON.parse(plumb(['versions', f, 'show', 'champion', '--json'], ws.dir).stdout);
    assert.equal(shownJson.manifest.version, 1);
    assert.equal(shownJson.model.kind, 'logistic-regression');

    const inf = plumb(['run', f, '--mode', 'inference', '--version', 'champion', '--out', 'scored.csv'], ws.dir);
    assert.equal(inf.code, 0, inf.stderr);
    const scored = fs.readFileSync(path.join(ws.dir, 'scored.csv'), 'utf8').trim().split('\n');
    assert.equal(scored.length, 51);
    assert.ok(scored[0].split(',').includes('prediction'));

    const metrics = plumb(['metrics', f, '--all'], ws.dir);
    assert.equal(metrics.code, 0, metrics.stderr);
    assert.match(metrics.stdout, /fit/);
    const trace = plumb(['trace', f], ws.dir);
    assert.equal(trace.code, 0, trace.stderr);
    assert.match(trace.stdout, /predict/);
    const mj = JSON.parse(plumb(['metrics', f, '--json'], ws.dir).stdout);
    assert.equal(mj.mode, 'inference');

    // --run picks an older run than the latest (the second training run).
    const byRun = JSON.parse(plumb(['metrics', f, '--run', j.runId, '--json'], ws.dir).stdout);
    assert.equal(byRun.runId, j.runId);
    assert.equal(byRun.mode, 'train');
    const metricsByRun = plumb(['metrics', f, '--run', j.runId], ws.dir);
    assert.equal(metricsByRun.code, 0, metricsByRun.stderr);
    assert.match(metricsByRun.stdout, /evaluate/);
    assert.doesNotMatch(metricsByRun.stdout, /predict/, 'the training run has no predict stage');
    const traceByRun = plumb(['trace', f, '--run', j.runId], ws.dir);
    assert.equal(traceByRun.code, 0, traceByRun.stderr);
    assert.match(traceByRun.stdout, /fit/);
    assert.doesNotMatch(traceByRun.stdout, /predict/);
    const unknownRun = plumb(['trace', f, '--run', 'nosuch'], ws.dir);
    assert.equal(unknownRun.code, 4, unknownRun.stderr);

    const all = JSON.parse(plumb(['metrics', f, '--all', '--json'], ws.dir).stdout);
    assert.equal(all.runs, 3, JSON.stringify(all).slice(0, 300));

    assert.equal(plumb(['versions', f, 'tag', 'candidate', '2'], ws.dir).code, 0);
    const untag = plumb(['versions', f, 'untag', 'candidate'], ws.dir);
    assert.equal(untag.code, 0, untag.stderr);
    assert.match(untag.stdout, /removed alias candidate/);
    const afterUntag = JSON.parse(plumb(['versions', f, '--json'], ws.dir).stdout);
    assert.deepEqual(afterUntag.map((v: { aliases: string[] }) => v.aliases), [['champion'], []]);
    assert.equal(plumb(['run', f, '--mode', 'inference', '--version', 'candidate'], ws.dir).code, 4, 'the alias is gone');

    assert.equal(plumb(['versions', f, 'rm', '2'], ws.dir).code, 0);
    // gc keeps objects younger than 10 minutes (a save may be in progress): age them.
    ageFiles(path.join(ws.dir, '.plumb', 'objects'), Date.now() / 1000 - 3600);
    const gc = JSON.parse(plumb(['gc', f, '--json'], ws.dir).stdout);
    assert.equal(gc.ok, true);
    assert.ok(gc.removedObjects > 0, `version 2's model and config are no longer referenced: ${JSON.stringify(gc)}`);
    assert.ok(gc.freedBytes > 0);
    assert.equal(plumb(['versions', f, 'show', 'champion'], ws.dir).code, 0);
    assert.equal(JSON.parse(plumb(['gc', f, '--json'], ws.dir).stdout).removedObjects, 0, 'nothing left to collect');
  } finally {
    ws.cleanup();
  }
});

test('validate reports every mistake as file:line:col and exits 3', () => {
  const ws = workspace(
    BASE_PIPELINE.replace('uses: standard-scale', 'uses: standard-scaler').replace('{ strategy: median }', '{ strategy: median, colums: [x] }'),
  );
  try {
    const r = plumb(['validate', 'toy.pipeline.yaml'], ws.dir);
    assert.equal(r.code, 3);
    const lines = BASE_PIPELINE.split('\n');
    const scaleLine = lines.findIndex((l) => l.includes('uses: standard-scale')) + 1;
    const imputeLine = lines.findIndex((l) => l.includes('strategy: median')) + 1;
    assert.match(r.stderr, new RegExp(`toy\\.pipeline\\.yaml:${scaleLine}:\\d+: .*standard-scaler`));
    assert.match(r.stderr, new RegExp(`toy\\.pipeline\\.yaml:${imputeLine}:\\d+: .*colums`));
    const j = JSON.parse(plumb(['validate', 'toy.pipeline.yaml', '--json'], ws.dir).stdout);
    assert.equal(j.ok, false);
    assert.ok(j.diagnostics.length >= 2);
    assert.equal(plumb(['run', 'toy.pipeline.yaml'], ws.dir).code, 3, 'run refuses an invalid file');
  } finally {
    ws.cleanup();
  }
});

test('exit codes: usage 2, unknown version 4, failed stage 1, ok validate 0', () => {
  const ws = workspace();
  try {
    assert.equal(plumb(['frobnicate'], ws.dir).code, 2);
    assert.equal(plumb(['run', 'toy.pipeline.yaml', '--mode', 'sideways'], ws.dir).code, 2);
    assert.equal(plumb(['validate', 'toy.pipeline.yaml'], ws.dir).code, 0);
    const missing = plumb(['run', 'toy.pipeline.yaml', '--mode', 'inference', '--version', '7'], ws.dir);
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(missing.stderr, /version 7/);
    assert.equal(plumb(['versions', 'toy.pipeline.yaml', 'tag', '../../x', '1'], ws.dir).code, 4);
    fs.writeFileSync(path.join(ws.dir, 'data/train.csv'), 'x,y,plan,label\n1,2,basic\n');
    const bad = plumb(['run', 'toy.pipeline.yaml'], ws.dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /train\.csv:2/);
  } finally {
    ws.cleanup();
  }
});

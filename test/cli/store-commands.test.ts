// Commands that read or edit the store: they work on a pipeline file that no longer
// validates, guard an aliased version against deletion, and list runs and versions with
// the metric and params a reader asks for. `validate` needs the training data, not the
// data to serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workspace } from '../engine/fixture';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function plumb(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('versions, trace and metrics read the store of a pipeline file that no longer validates', () => {
  const ws = workspace();
  try {
    const f = 'toy.pipeline.yaml';
    assert.equal(plumb(['run', f], ws.dir).code, 0);
    // A stage type that does not exist and a data file that moved: the file is invalid now.
    ws.write(f, fs.readFileSync(ws.file, 'utf8').replace('uses: standard-scale', 'uses: standard-scaler').replace('data/train.csv', 'data/gone.csv'));
    assert.equal(plumb(['validate', f], ws.dir).code, 3);
    const list = plumb(['versions', f], ws.dir);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^v1 /m);
    assert.match(list.stderr, /note: toy\.pipeline\.yaml does not validate \(1 error; 'plumb validate' lists them\); reading the store of pipeline toy anyway/);
    assert.deepEqual(JSON.parse(plumb(['versions', f, '--json'], ws.dir).stdout).map((v: { version: number }) => v.version), [1]);
    assert.equal(plumb(['versions', f, 'show', '1'], ws.dir).code, 0);
    assert.equal(plumb(['trace', f], ws.dir).code, 0);
    assert.equal(plumb(['metrics', f, '--json'], ws.dir).code, 0);
    // A file without even a pipeline name still gets the validation errors.
    ws.write(f, 'description: no name\n');
    const nameless = plumb(['versions', f], ws.dir);
    assert.equal(nameless.code, 3);
    assert.match(nameless.stderr, /pipeline/);
  } finally {
    ws.cleanup();
  }
});

test('versions rm of a version that holds an alias asks for --force; --force deletes it and the alias', () => {
  const ws = workspace();
  try {
    const f = 'toy.pipeline.yaml';
    assert.equal(plumb(['run', f], ws.dir).code, 0);
    assert.equal(plumb(['run', f], ws.dir).code, 0);
    assert.equal(plumb(['versions', f, 'tag', 'champion', '1'], ws.dir).code, 0);
    for (const ref of ['1', 'champion']) {
      const refused = plumb(['versions', f, 'rm', ref], ws.dir);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /version 1 of toy holds the alias 'champion': deleting it removes it too; pass --force/);
    }
    assert.deepEqual(JSON.parse(plumb(['versions', f, '--json'], ws.dir).stdout).map((v: { version: number }) => v.version), [1, 2]);
    const forced = plumb(['versions', f, 'rm', '1', '--force'], ws.dir);
    assert.equal(forced.code, 0, forced.stderr);
    const left = JSON.parse(plumb(['versions', f, '--json'], ws.dir).stdout);
    assert.deepEqual(left.map((v: { version: number; aliases?: string[] }) => [v.version, v.aliases ?? []]), [[2, []]]);
    assert.equal(plumb(['versions', f, 'rm', '2'], ws.dir).code, 0, 'no alias: no --force needed');
  } finally {
    ws.cleanup();
  }
});

test('validate requires the training data but not the inference data file', () => {
  const ws = workspace();
  try {
    fs.rmSync(path.join(ws.dir, 'data', 'new.csv'));
    const ok = plumb(['validate', 'toy.pipeline.yaml'], ws.dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /toy\.pipeline\.yaml:6:\d+: warning: data file not found: .*new\.csv \(data\.inference; only inference runs need it\)/);
    assert.match(ok.stderr, /toy\.pipeline\.yaml: valid/);
    // Inference itself still needs it, before anything runs.
    assert.equal(plumb(['run', 'toy.pipeline.yaml', '--mode', 'inference'], ws.dir).code, 3);
    fs.rmSync(path.join(ws.dir, 'data', 'train.csv'));
    const bad = plumb(['validate', 'toy.pipeline.yaml'], ws.dir);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /data file not found: .*train\.csv \(data\.train\)/);
  } finally {
    ws.cleanup();
  }
});

test('plumb stages lists each stage with its parameters (type, required, default, description)', () => {
  const r = plumb(['stages'], __dirname);
  assert.equal(r.code, 0, r.stderr);
  const block = (type: string): string => r.stdout.split(/\n(?=\S)/).find((b) => b.startsWith(`${type} `)) ?? '';
  assert.match(block('impute'), /\n {4}strategy +mean\|median\|most_frequent\|constant, default "mean" {2}mean \/ median: number columns/);
  assert.match(block('impute'), /\n {4}fill_value +number or string {2}/);
  assert.match(block('read-csv'), /\n {4}path +string, required {2}CSV file/);
  assert.match(block('train-test-split'), /\n {4}seed +integer {2}Seed for the shuffle/);
  assert.match(block('predict'), /\n {4}/);
  // Every built-in stage's every param is listed.
  const stages = JSON.parse(plumb(['stages', '--json'], __dirname).stdout) as { type: string; params: { properties?: Record<string, unknown> } }[];
  for (const s of stages) {
    const names = Object.keys(s.params.properties ?? {});
    const b = block(s.type);
    if (names.length === 0) assert.match(b, /\(no parameters\)/, s.type);
    for (const n of names) assert.match(b, new RegExp(`\\n {4}${n} `), `${s.type}.${n}`);
  }
});

test('plumb runs lists runs (id, mode, status, time, version); versions sort by and show a chosen metric and the params', () => {
  const ws = workspace();
  try {
    const f = 'toy.pipeline.yaml';
    for (const lr of ['0.02', '0.5', '0.1']) assert.equal(plumb(['run', f, '--set', `lr=${lr}`], ws.dir).code, 0);
    assert.equal(plumb(['run', f, '--mode', 'inference'], ws.dir).code, 0);
    fs.rmSync(path.join(ws.dir, 'data', 'train.csv'));
    assert.equal(plumb(['run', f], ws.dir).code, 3, 'an invalid run records nothing');

    const runs = JSON.parse(plumb(['runs', f, '--json'], ws.dir).stdout) as { runId: string; mode: string; status: string; start: number; version?: number }[];
    assert.deepEqual(runs.map((r) => [r.mode, r.status, r.version]), [['train', 'ok', 1], ['train', 'ok', 2], ['train', 'ok', 3], ['inference', 'ok', 3]]);
    assert.ok(runs.every((r, i) => i === 0 || r.start >= runs[i - 1].start));
    const text = plumb(['runs', f], ws.dir);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[3], new RegExp(`^${runs[3].runId}  inference ok +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +[\\d.]+ m?s  version 3$`));

    const listed = JSON.parse(plumb(['versions', f, '--json'], ws.dir).stdout) as { version: number; metrics: Record<string, number> }[];
    const accuracy = new Map(listed.map((v) => [v.version, v.metrics.accuracy]));
    const best = [...accuracy.keys()].sort((a, b) => accuracy.get(b)! - accuracy.get(a)! || a - b);
    const sorted = JSON.parse(plumb(['versions', f, '--sort', 'accuracy', '--json'], ws.dir).stdout) as { version: number; metrics: Record<string, number> }[];
    assert.deepEqual(sorted.map((v) => v.version), best);
    const byLoss = JSON.parse(plumb(['versions', f, '--sort', 'loss', '--json'], ws.dir).stdout) as { metrics: Record<string, number> }[];
    assert.ok(byLoss.every((v, i) => i === 0 || v.metrics.loss >= byLoss[i - 1].metrics.loss), 'loss: lowest first');

    const shown = plumb(['versions', f, '--sort', 'accuracy', '--metric', 'f1'], ws.dir);
    assert.equal(shown.code, 0, shown.stderr);
    const rows = shown.stdout.trim().split('\n');
    assert.deepEqual(rows.map((l) => Number(/^v(\d+) /.exec(l)![1])), best);
    for (const l of rows) {
      const v = listed.find((x) => x.version === Number(/^v(\d+) /.exec(l)![1]))!;
      assert.match(l, new RegExp(`  f1=${v.metrics.f1.toFixed(4)}  lr=[\\d.]+$`), l);
      assert.doesNotMatch(l, /accuracy=/, 'only the chosen metric');
    }
    assert.match(rows.find((l) => l.startsWith('v1 '))!, /lr=0\.02$/, 'the params that differ between versions');
    const unknown = plumb(['versions', f, '--sort', 'acuracy'], ws.dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--sort acuracy: no version has a metric 'acuracy' \(did you mean 'accuracy'\?\)/);
  } finally {
    ws.cleanup();
  }
});

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

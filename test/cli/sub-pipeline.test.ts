// `plumb run` and `plumb validate` as processes on a pipeline with a sub-pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workspace, BASE_PIPELINE, PREP_PIPELINE as PREP, WITH_SUB_PIPELINE as WITH_SUB } from '../engine/fixture';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function plumb(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


test('plumb run trains and serves a pipeline with a sub-pipeline; validate reports both files', () => {
  assert.notEqual(WITH_SUB, BASE_PIPELINE);
  const ws = workspace(WITH_SUB);
  try {
    ws.write('shared/prep.pipeline.yaml', PREP);
    const f = 'toy.pipeline.yaml';
    const ok = plumb(['validate', f], ws.dir);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);

    const trained = plumb(['run', f, '--json'], ws.dir);
    assert.equal(trained.code, 0, trained.stderr);
    const j = JSON.parse(trained.stdout);
    assert.equal(j.ok, true);
    assert.deepEqual(j.record.stages.map((s: { stage: string }) => s.stage), ['prep/impute', 'prep/scale', 'encode', 'split', 'fit', 'evaluate']);

    const served = plumb(['run', f, '--mode', 'inference', '--out', 'scored.csv'], ws.dir);
    assert.equal(served.code, 0, served.stderr);
    assert.match(served.stderr, /prep\/scale/);
    assert.equal(fs.readFileSync(path.join(ws.dir, 'scored.csv'), 'utf8').trim().split('\n').length, 51);

    // A mistake in the sub file: its own line, plus a summary at the parent's uses:.
    ws.write('shared/prep.pipeline.yaml', PREP.replace('uses: standard-scale', 'uses: standard-scael'));
    const bad = plumb(['validate', f], ws.dir);
    assert.equal(bad.code, 3, bad.stdout + bad.stderr); // EXIT.invalid
    const out = bad.stdout + bad.stderr;
    assert.match(out, /toy\.pipeline\.yaml:9:11: .*\.\/shared\/prep\.pipeline\.yaml has 1 problem; first: shared\/prep\.pipeline\.yaml:8:11: stage 'scale': unknown stage type 'standard-scael'/);
    assert.match(out, /shared\/prep\.pipeline\.yaml:8:11: .*unknown stage type 'standard-scael' \(did you mean 'standard-scale'\?\)/);
    const run = plumb(['run', f], ws.dir);
    assert.equal(run.code, 3);
    assert.match(run.stderr + run.stdout, /standard-scael/);
  } finally {
    ws.cleanup();
  }
});

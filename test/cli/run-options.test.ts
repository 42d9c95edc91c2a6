// `plumb run` options checked before the run starts, the no-versions message, and the
// `--out` file against the same inference done in process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { loadPipeline, runPipeline, readTable, Store } from '../../runtime';
import { workspace, PREP_PIPELINE, WITH_SUB_PIPELINE } from '../engine/fixture';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function plumb(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--stop-after: an unknown name is a usage error naming the stages; a sub-pipeline stage stops after its last stage', async () => {
  const ws = workspace(WITH_SUB_PIPELINE);
  try {
    ws.write('shared/prep.pipeline.yaml', PREP_PIPELINE);
    const f = 'toy.pipeline.yaml';
    const unknown = plumb(['run', f, '--stop-after', 'nosuch'], ws.dir);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /--stop-after: no stage 'nosuch' runs in train mode \(stages: prep, prep\/impute, prep\/scale, encode, split, fit, evaluate\)/);
    const typo = plumb(['run', f, '--stop-after', 'encdoe', '--json'], ws.dir);
    assert.equal(typo.code, 2);
    assert.match(JSON.parse(typo.stdout).error.message, /did you mean 'encode'\?/);
    // `predict` exists, but not in train mode.
    assert.equal(plumb(['run', f, '--stop-after', 'predict'], ws.dir).code, 2);
    assert.deepEqual(await new Store(path.join(ws.dir, '.plumb')).listVersions('toy'), [], 'nothing ran');

    const group = plumb(['run', f, '--stop-after', 'prep', '--json'], ws.dir);
    assert.equal(group.code, 0, group.stderr);
    const j = JSON.parse(group.stdout);
    const ran = j.record.stages.filter((s: { status: string }) => s.status === 'ok').map((s: { stage: string }) => s.stage);
    assert.deepEqual(ran, ['prep/impute', 'prep/scale']);
    assert.equal(j.version, undefined, 'a stopped run saves no version');
    assert.ok(!j.output.columns.some((c: string) => c.startsWith('plan=')), 'encode did not run');

    const inner = plumb(['run', f, '--stop-after', 'prep/impute', '--json'], ws.dir);
    assert.equal(inner.code, 0, inner.stderr);
    assert.deepEqual(
      JSON.parse(inner.stdout).record.stages.filter((s: { status: string }) => s.status === 'ok').map((s: { stage: string }) => s.stage),
      ['prep/impute'],
    );
  } finally {
    ws.cleanup();
  }
});

test('inference before any training says so once', () => {
  const ws = workspace();
  try {
    const r = plumb(['run', 'toy.pipeline.yaml', '--mode', 'inference'], ws.dir);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /pipeline toy has no versions yet/);
    assert.equal(r.stderr.match(/no versions yet/g)?.length, 1, r.stderr);
  } finally {
    ws.cleanup();
  }
});

test('plumb run --out writes exactly the values an in-process inference run produces', async () => {
  const ws = workspace();
  try {
    const f = 'toy.pipeline.yaml';
    const trained = plumb(['run', f], ws.dir);
    assert.equal(trained.code, 0, trained.stderr);
    const served = plumb(['run', f, '--mode', 'inference', '--out', 'scored.csv'], ws.dir);
    assert.equal(served.code, 0, served.stderr);

    const spec = await loadPipeline(ws.file);
    const direct = await runPipeline(spec, { mode: 'inference', version: 1 });
    assert.equal(direct.status, 'ok', direct.error?.message);
    const written = await readTable(path.join(ws.dir, 'scored.csv'));
    assert.deepEqual(written.names, direct.output.names);
    assert.equal(written.rowCount, 50);
    for (const name of direct.output.names) {
      for (let r = 0; r < written.rowCount; r++) {
        assert.equal(written.cell(r, name), direct.output.cell(r, name), `${name} row ${r}`);
      }
    }
  } finally {
    ws.cleanup();
  }
});

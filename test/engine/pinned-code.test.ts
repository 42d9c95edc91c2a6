// A version pins its spec and code: inference replays them, whatever was edited since;
// `workingCopy` runs the edited files and reports what differs. Through the runtime API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPipeline, runPipeline, Store, StoreError, type RunResult } from '../../runtime';
import { PREP_PIPELINE } from './fixture';
import { FACTOR_TS, PIPELINE, setup } from './pinned-fixture';

function probas(r: RunResult): number[] {
  assert.equal(r.status, 'ok', r.error?.message);
  const name = r.output.names.find((n) => n.startsWith('proba='))!;
  return Array.from(r.output.numberColumn(name).values);
}

test('inference replays the version’s pinned code: an edited stage module changes nothing; workingCopy reports the drift', async () => {
  const ws = setup();
  try {
    const trained = await runPipeline(await loadPipeline(ws.file), { mode: 'train' });
    assert.equal(trained.status, 'ok', trained.error?.message);
    const before = probas(await runPipeline(await loadPipeline(ws.file), { mode: 'inference' }));

    // Edit a helper file the stage module imports: the constant goes from 1 to 1000.
    ws.write('stages/factor.ts', FACTOR_TS(1000));
    const warnings: string[] = [];
    const pinned = await runPipeline(await loadPipeline(ws.file), {
      mode: 'inference',
      onEvent: (e) => e.type === 'warning' && warnings.push(e.message),
    });
    assert.deepEqual(probas(pinned), before, 'pinned inference serves what was trained');
    assert.equal(pinned.drift, undefined);
    assert.match(warnings.join('\n'), /stages\/factor\.ts changed since version 1 was trained: running version 1's own pinned spec and code/);

    const store = new Store(path.join(ws.dir, '.plumb'));
    const v1 = await store.loadVersion('toy', 1);
    const code = v1.code as { modules: { path: string; bundle: string; sources: { path: string; sha256: string }[] }[] };
    const boost = code.modules.find((m) => m.path === 'stages/boost.ts')!;
    const factorHash = boost.sources.find((s) => s.path === 'stages/factor.ts')!.sha256;

    const working = await runPipeline(await loadPipeline(ws.file), { mode: 'inference', workingCopy: true });
    assert.notDeepEqual(probas(working), before, 'the working copy runs the edited code');
    const drift = working.drift ?? [];
    const change = drift.find((c) => c.kind === 'code' && c.file === 'stages/factor.ts');
    assert.ok(change, JSON.stringify(drift));
    assert.equal(change.stage, 'boost');
    assert.equal(change.from, factorHash);
    assert.match(change.message, new RegExp(`stage 'boost' \\(stages/boost\\.ts\\): stages/factor\\.ts changed \\(sha256 ${factorHash.slice(0, 12)} → [0-9a-f]{12}\\)`));
    assert.equal(drift.length, 1, 'only the helper file changed');
  } finally {
    ws.cleanup();
  }
});

test('an edited with: in the pipeline file changes nothing by default; workingCopy runs it and names the stage', async () => {
  const ws = setup();
  try {
    assert.equal((await runPipeline(await loadPipeline(ws.file), { mode: 'train' })).status, 'ok');
    const before = probas(await runPipeline(await loadPipeline(ws.file), { mode: 'inference' }));
    ws.write('toy.pipeline.yaml', PIPELINE(3).replace('  - stage: encode', '  - stage: extra\n    uses: select\n    with: { columns: [x, y, plan] }\n  - stage: encode'));
    assert.deepEqual(probas(await runPipeline(await loadPipeline(ws.file), { mode: 'inference' })), before);

    const working = await runPipeline(await loadPipeline(ws.file), { mode: 'inference', workingCopy: true });
    assert.notDeepEqual(probas(working), before);
    const messages = (working.drift ?? []).map((c) => c.message);
    assert.deepEqual(messages, [`stage 'shift': with: {"by":0} → {"by":3}`, `stage 'extra' (feature, select) added`]);
  } finally {
    ws.cleanup();
  }
});

test('a damaged pinned bundle is caught by its hash: inference fails naming the module, and runs nothing else', async () => {
  const ws = setup();
  try {
    assert.equal((await runPipeline(await loadPipeline(ws.file), { mode: 'train' })).status, 'ok');
    const store = new Store(path.join(ws.dir, '.plumb'));
    const code = (await store.loadVersion('toy', 1)).code as { modules: { path: string; bundle: string }[] };
    const shift = code.modules.find((m) => m.path === 'stages/shift.ts')!;
    const object = path.join(ws.dir, '.plumb', 'objects', shift.bundle.slice(0, 2), shift.bundle.slice(2));
    fs.chmodSync(object, 0o644);
    fs.writeFileSync(object, fs.readFileSync(object, 'utf8').replace('v + by', 'v - by'));

    const r = await runPipeline(await loadPipeline(ws.file), { mode: 'inference' });
    assert.equal(r.status, 'failed');
    assert.ok(r.error instanceof StoreError && r.error.code === 'corrupt', String(r.error));
    assert.match(r.error.message, /version 1: the pinned code of the stage module stages\/shift\.ts \(object [0-9a-f]{12}\) is damaged: /);
    assert.deepEqual(r.record.stages.filter((s) => s.attempts.length > 0), [], 'no stage ran');
    assert.deepEqual((await store.verify('toy')).map((p) => [p.artifact, p.objectId]), [['bundle', shift.bundle]]);

    // The code record itself damaged: also caught, and named.
    const record = (await store.getVersion('toy', 1)).objects.code!;
    const recordFile = path.join(ws.dir, '.plumb', 'objects', record.slice(0, 2), record.slice(2));
    fs.chmodSync(recordFile, 0o644);
    fs.appendFileSync(recordFile, ' ');
    const again = await runPipeline(await loadPipeline(ws.file), { mode: 'inference' });
    assert.ok(again.error instanceof StoreError && again.error.code === 'corrupt', String(again.error));
    assert.match(again.error.message, new RegExp(`^version 1 of toy: its pinned spec and code record \\(object ${record.slice(0, 12)}\\) cannot be read: `));
  } finally {
    ws.cleanup();
  }
});

test('two files with the same pipeline: name do not share one history; adopting it is explicit', async () => {
  const ws = setup();
  try {
    assert.equal((await runPipeline(await loadPipeline(ws.file), { mode: 'train' })).status, 'ok');
    const other = ws.write('other.pipeline.yaml', PIPELINE(5));
    for (const mode of ['train', 'inference'] as const) {
      const r = await runPipeline(await loadPipeline(other), { mode });
      assert.equal(r.status, 'failed', mode);
      assert.ok(r.error instanceof StoreError && r.error.code === 'conflict', String(r.error));
      assert.match(r.error.message, /pipeline toy in the store .* belongs to .*toy\.pipeline\.yaml, not to .*other\.pipeline\.yaml: two files with the same pipeline: name would mix their versions\. .*another pipeline: name or its own store:.*'plumb versions .*other\.pipeline\.yaml adopt'/);
    }
    const store = new Store(path.join(ws.dir, '.plumb'));
    assert.equal((await store.listVersions('toy')).length, 1, 'nothing was saved for the other file');

    // The same pipeline renamed: adopt the history, then it runs (and the old name is refused).
    fs.rmSync(ws.file);
    await store.adoptPipeline('toy', other);
    const r = await runPipeline(await loadPipeline(other), { mode: 'inference' });
    assert.equal(r.status, 'ok', r.error?.message);
    assert.equal(r.version, 1);
  } finally {
    ws.cleanup();
  }
});

test('pinned paths are relative: a moved project (with a sub-pipeline) replays its versions; the pinned files are listed', async () => {
  const ws = setup();
  const moved = `${ws.dir}-moved`;
  try {
    ws.write('shared/prep.pipeline.yaml', PREP_PIPELINE);
    ws.write('toy.pipeline.yaml', PIPELINE(1).replace('  - stage: impute\n    uses: impute\n    with: { strategy: median }\n', '  - stage: prep\n    uses: ./shared/prep.pipeline.yaml\n    with: { strategy: median }\n'));
    assert.equal((await runPipeline(await loadPipeline(ws.file), { mode: 'train' })).status, 'ok');
    const before = probas(await runPipeline(await loadPipeline(ws.file), { mode: 'inference' }));
    const code = (await new Store(path.join(ws.dir, '.plumb')).loadVersion('toy', 1)).code as { file: string; files: { path: string }[]; modules: { path: string }[] };
    assert.equal(code.file, '../toy.pipeline.yaml', 'the owner file, relative to the store root');
    assert.deepEqual(code.files.map((f) => f.path), ['toy.pipeline.yaml', 'shared/prep.pipeline.yaml']);
    assert.deepEqual(code.modules.map((m) => m.path), ['stages/boost.ts', 'stages/shift.ts']);

    fs.renameSync(ws.dir, moved);
    const warnings: string[] = [];
    const r = await runPipeline(await loadPipeline(path.join(moved, 'toy.pipeline.yaml')), {
      mode: 'inference',
      onEvent: (e) => e.type === 'warning' && warnings.push(e.message),
    });
    assert.deepEqual(probas(r), before);
    assert.deepEqual(warnings, [], 'nothing changed, nothing to say');
  } finally {
    fs.rmSync(moved, { recursive: true, force: true });
    ws.cleanup();
  }
});

test('a version saved before Plumb pinned code runs the working copy and says so', async () => {
  const ws = setup();
  try {
    assert.equal((await runPipeline(await loadPipeline(ws.file), { mode: 'train' })).status, 'ok');
    const store = new Store(path.join(ws.dir, '.plumb'));
    const v1 = await store.loadVersion('toy', 1);
    const { runId, pipelineFileHash, dataHash, params } = v1.manifest;
    // What an older Plumb saved: the four artifacts, no code, no bundles.
    await store.saveVersion('toy', { artifacts: { state: v1.state, config: v1.config, model: v1.model, metrics: v1.metrics }, lineage: { runId, pipelineFileHash, dataHash, params } });
    ws.write('stages/factor.ts', FACTOR_TS(1000));
    const warnings: string[] = [];
    const r = await runPipeline(await loadPipeline(ws.file), { mode: 'inference', version: 2, onEvent: (e) => e.type === 'warning' && warnings.push(e.message) });
    const pinned = await runPipeline(await loadPipeline(ws.file), { mode: 'inference', version: 1 });
    assert.notDeepEqual(probas(r), probas(pinned), 'version 2 runs the edited working copy');
    assert.deepEqual(warnings, ["version 2 was saved before Plumb pinned code: running the working copy's spec and stage modules (train a new version to pin them)"]);
  } finally {
    ws.cleanup();
  }
});

test('the bundles a version pins are listed in its manifest (and the listing index), kept by gc while it exists', async () => {
  const ws = setup();
  try {
    assert.equal((await runPipeline(await loadPipeline(ws.file), { mode: 'train' })).status, 'ok');
    const root = path.join(ws.dir, '.plumb');
    const code = (await new Store(root).loadVersion('toy', 1)).code as { modules: { bundle: string }[] };
    const bundles = code.modules.map((m) => m.bundle).sort();
    assert.equal(bundles.length, 2);
    // A fresh Store reads the manifests and writes the index; the next one reads the index.
    for (let i = 0; i < 2; i++) assert.deepEqual((await new Store(root).listVersions('toy'))[0].bundles, bundles, `listing ${i + 1}`);
    assert.ok(fs.existsSync(path.join(root, 'pipelines', 'toy', 'index.json')));

    const objectFile = (id: string): string => path.join(root, 'objects', id.slice(0, 2), id.slice(2));
    const store = new Store(root);
    await store.gc({ minAgeMs: 0 });
    assert.ok(bundles.every((id) => fs.existsSync(objectFile(id))), 'gc keeps a live version’s bundles');
    assert.equal((await runPipeline(await loadPipeline(ws.file), { mode: 'inference' })).status, 'ok');

    await store.deleteVersion('toy', 1);
    await store.gc({ minAgeMs: 0 });
    assert.ok(bundles.every((id) => !fs.existsSync(objectFile(id))), 'and removes them with the version');
  } finally {
    ws.cleanup();
  }
});

// The version explorer updates by itself when a store changes on disk: one watcher per
// store folder (wherever `store:` or the `plumb.store` setting puts it), fs.watch as the
// fallback the workbench watcher needs, and cheap refreshes on focus / visibility / a
// session's end.
import './use-vscode-stub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store } from '../../runtime/store/store';
import { locatePipelines } from '../../src/versions/locate';
import { StoreWatchers, affectsTree } from '../../src/versions/watch';
import { PIPELINE_GLOB } from '../../src/shared/pipeline-files';
import { Uri, created, debugEvents, state, workbenchEvents } from './vscode-stub';
import { REPO, openExplorer, storeWatchPatterns, toyWorkspace, train, until, versionLabels } from './versions-helpers';

const live = (root: string) => storeWatchPatterns().filter((w) => !w.disposed && w.base === root);

test('a store watcher event refreshes the tree, a burst of them once', async () => {
  const ws = toyWorkspace();
  const store = path.join(ws.dir, '.plumb');
  const ex = openExplorer([ws.file], ws.dir);
  try {
    await until(() => live(store).length === 1, 'the store watcher');
    assert.deepEqual(live(store).map((w) => w.pattern), ['pipelines/**']);
    const watcher = created.fileWatchers.find((w) => !w.disposed && typeof w.pattern !== 'string')!;
    const before = ex.changes();
    const changed = ex.nextChange();
    for (let i = 0; i < 5; i++) watcher.fire('create', Uri.file(path.join(store, 'pipelines', 'toy', 'versions', `00000${i + 1}.json`)));
    await changed;
    // The burst was one refresh: wait well past the debounce and count again.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(ex.changes() - before, 1);
  } finally {
    ex.dispose();
    ws.cleanup();
  }
});

test('only files the tree shows count: versions and aliases, not run records, the listing cache or temp files', () => {
  assert.equal(affectsTree('pipelines/toy/versions/000001.json'), true);
  assert.equal(affectsTree('pipelines/toy/versions/000001.deleted'), true);
  assert.equal(affectsTree('pipelines/toy/aliases/champion'), true);
  assert.equal(affectsTree('pipelines/toy'), true);
  assert.equal(affectsTree('pipelines'), true);
  assert.equal(affectsTree('pipelines/toy/index.json'), false);
  assert.equal(affectsTree('pipelines/toy/runs/r1.json'), false);
  assert.equal(affectsTree('pipelines/toy/versions/.tmp-123'), false);
  assert.equal(affectsTree('objects/ab/cdef'), false);
});

test('stores set with store: (outside the workspace too) and with the plumb.store setting are watched; changes rebuild the watchers', async () => {
  const ws = toyWorkspace();
  const outside = `${ws.dir}-store`; // beside the workspace folder, not in it
  fs.writeFileSync(ws.file, fs.readFileSync(ws.file, 'utf8').replace('target: label', `target: label\nstore: ../${path.basename(outside)}`));
  const second = ws.write('sub/second.pipeline.yaml', 'pipeline: second\nfeature: []\n');
  const beside = path.join(ws.dir, 'sub', '.plumb');
  const ex = openExplorer([ws.file, second], ws.dir);
  try {
    await until(() => live(outside).length === 1 && live(beside).length === 1, 'watchers for both stores');
    const pipelineWatcher = created.fileWatchers.find((w) => w.pattern === PIPELINE_GLOB);
    assert.ok(pipelineWatcher, 'no watcher for pipeline files');

    // A new pipeline file naming another store: watched after the pipeline-file event.
    const third = ws.write('third.pipeline.yaml', 'pipeline: third\nstore: stores/third\n');
    state.files.push(third);
    const refreshed = ex.nextChange();
    pipelineWatcher.fire('create', Uri.file(third));
    await refreshed;
    assert.equal(live(path.join(ws.dir, 'stores', 'third')).length, 1);

    // The setting overrides every pipeline's store: only that store is watched now.
    state.settings['plumb.store'] = 'shared-store';
    const again = ex.nextChange();
    workbenchEvents.configuration.fire({ affectsConfiguration: (s: string) => s === 'plumb.store' || s === 'plumb' });
    await again;
    const shared = path.join(ws.dir, 'shared-store');
    assert.equal(live(shared).length, 1);
    assert.deepEqual(storeWatchPatterns().filter((w) => !w.disposed).map((w) => w.base), [shared]);
  } finally {
    ex.dispose();
    ws.cleanup();
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('versions saved into a store outside the workspace (in-process and by `plumb run` in another process) show up by themselves', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-outside-'));
  const storeRoot = path.join(outside, 'store'); // does not exist yet: the first save makes it
  const ws = toyWorkspace(JSON.stringify(storeRoot));
  const ex = openExplorer([ws.file], ws.dir);
  try {
    await until(() => live(storeRoot).length === 1, 'the store watcher');
    assert.deepEqual(await versionLabels(ex.tree), []);

    // Nothing fires the stand-in watchers here: only fs.watch can see these saves.
    let changed = ex.nextChange();
    assert.equal(await train(ws.file), 1);
    await changed;
    assert.deepEqual((await versionLabels(ex.tree)).map((l) => l.split(' ')[0]), ['v1']);

    changed = ex.nextChange();
    const run = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'run', ws.file], { cwd: ws.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(run.status, 0, run.stderr);
    await changed;
    assert.deepEqual((await versionLabels(ex.tree)).map((l) => l.split(' ')[0]), ['v2', 'v1']);

    // An alias set by another Store (another process, as far as the tree knows).
    changed = ex.nextChange();
    await new Store(storeRoot).tag('toy', 'champion', 1);
    await changed;
    assert.match((await versionLabels(ex.tree))[1], /^v1 .*champion/);
  } finally {
    ex.dispose();
    ws.cleanup();
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('window focus redraws only when a store folder changed since the last look', async () => {
  const ws = toyWorkspace();
  const watchers = new StoreWatchers(() => undefined);
  try {
    watchers.update(await locatePipelines([ws.file]));
    assert.equal(watchers.storesChanged(), false);
    await train(ws.file);
    assert.equal(watchers.storesChanged(), true);
    assert.equal(watchers.storesChanged(), false);
    await new Store(path.join(ws.dir, '.plumb')).tag('toy', 'champion', 1);
    assert.equal(watchers.storesChanged(), true);
    await new Store(path.join(ws.dir, '.plumb')).deleteVersion('toy', 1);
    assert.equal(watchers.storesChanged(), true);
  } finally {
    watchers.dispose();
    ws.cleanup();
  }
});

test('coming into view, the window regaining focus after a change, and a Plumb session ending refresh the tree', async () => {
  const ws = toyWorkspace();
  const ex = openExplorer([ws.file], ws.dir);
  try {
    await until(() => live(path.join(ws.dir, '.plumb')).length === 1, 'the store watcher');
    let changed = ex.nextChange();
    ex.view.visibility.fire({ visible: true });
    await changed;

    await train(ws.file);
    changed = ex.nextChange();
    workbenchEvents.windowState.fire({ focused: true });
    await changed;

    changed = ex.nextChange();
    debugEvents.terminate.fire({ id: 's1', type: 'plumb', configuration: {} });
    await changed;
  } finally {
    ex.dispose();
    ws.cleanup();
  }
});

test('a store: written with ${params.x} is the folder runs save to: the tree shows and watches it', async () => {
  const ws = toyWorkspace();
  fs.writeFileSync(ws.file, fs.readFileSync(ws.file, 'utf8').replace('lr: 0.5 }', 'lr: 0.5, where: saved-here }\nstore: "${params.where}/inner"'));
  const expected = path.join(ws.dir, 'saved-here', 'inner');
  const ex = openExplorer([ws.file], ws.dir);
  try {
    assert.equal(await train(ws.file), 1);
    assert.ok(fs.existsSync(path.join(expected, 'pipelines', 'toy', 'versions')), 'the run did not save where the test expects');
    const [root] = await ex.tree.getChildren();
    assert.equal(root.kind === 'pipeline' && root.location.store, expected);
    assert.deepEqual((await versionLabels(ex.tree)).map((l) => l.split(' ')[0]), ['v1']);
    await until(() => live(expected).length === 1, 'the store watcher');
  } finally {
    ex.dispose();
    ws.cleanup();
  }
});

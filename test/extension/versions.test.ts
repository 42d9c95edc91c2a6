// The version tree and its documents over a real temp store, through the vscode stand-in.
import './use-vscode-stub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store } from '../../runtime/store/store';
import { locatePipelines } from '../../src/versions/locate';
import { VersionTreeProvider, headlineMetric, type VersionNode } from '../../src/versions/tree';
import { VersionDocumentProvider } from '../../src/versions/content';
import { aliasProblem, registerVersionExplorer } from '../../src/versions/view';
import { calls, registered, reset, state, type TreeItem } from './vscode-stub';

async function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-tree-'));
  const file = path.join(dir, 'toy.pipeline.yaml');
  fs.writeFileSync(file, 'pipeline: toy\nfeature: []\n');
  fs.writeFileSync(path.join(dir, 'other.pipeline.yml'), 'pipeline: other\nstore: custom-store\n');
  const store = new Store(path.join(dir, '.plumb'));
  const save = (accuracy: number, time: number) =>
    store.saveVersion('toy', {
      artifacts: { state: { scale: { mean: 1 } }, config: { epochs: 10 }, model: { kind: 'logistic-regression', data: [accuracy] }, metrics: { accuracy, loss: 1 - accuracy } },
      lineage: { pipelineFileHash: 'a'.repeat(64), dataHash: 'b'.repeat(64), params: {}, runId: `run-${time}` },
      time,
    });
  await save(0.9, 1_000_000);
  await save(0.95, 2_000_000);
  await store.tag('toy', 'champion', 2);
  return { dir, file, store, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('pipelines → versions (newest first, aliases, headline metric) → artifacts', async () => {
  const f = await fixture();
  try {
    const locations = await locatePipelines([f.file, path.join(f.dir, 'other.pipeline.yml')]);
    assert.deepEqual(locations.map((l) => [l.name, path.relative(f.dir, l.store)]), [['other', 'custom-store'], ['toy', '.plumb']]);
    const tree = new VersionTreeProvider(async () => locations, () => 2_000_000 + 3 * 60_000);
    const roots = await tree.getChildren();
    assert.equal(roots.length, 2);
    const toy = roots.find((r) => r.kind === 'pipeline' && r.location.name === 'toy') as Extract<VersionNode, { kind: 'pipeline' }>;
    const other = roots.find((r) => r.kind === 'pipeline' && r.location.name === 'other')!;
    assert.deepEqual((await tree.getChildren(other)).map((n) => n.kind), ['message']);

    const versions = await tree.getChildren(toy);
    const items = versions.map((v) => tree.getTreeItem(v) as unknown as TreeItem);
    assert.deepEqual(items.map((i) => i.label), ['v2', 'v1']);
    assert.equal(items[0].description, '3 min ago · champion · accuracy 0.95');
    assert.equal(items[0].contextValue, 'plumbVersion.tagged');
    assert.equal(items[1].contextValue, 'plumbVersion');

    const artifacts = await tree.getChildren(versions[0]);
    assert.deepEqual(artifacts.map((a) => (a.kind === 'artifact' ? a.artifact : a.kind)), ['state', 'config', 'model', 'metrics']);
    const model = tree.getTreeItem(artifacts[2]) as unknown as TreeItem;
    assert.equal(model.contextValue, 'plumbArtifact');
    assert.equal(model.command?.command, 'plumb.versions.open');
    assert.equal(model.resourceUri?.scheme, 'plumb-version');

    // The document provider renders the artifact from the store, read-only JSON.
    const docs = new VersionDocumentProvider((root) => tree.store(root));
    const text = await docs.provideTextDocumentContent(model.resourceUri as never);
    assert.deepEqual(JSON.parse(text), { kind: 'logistic-regression', data: [0.95] });
    const v1 = tree.getTreeItem((await tree.getChildren(versions[1]))[3]) as unknown as TreeItem;
    assert.deepEqual(JSON.parse(await docs.provideTextDocumentContent(v1.resourceUri as never)), { accuracy: 0.9, loss: 1 - 0.9 });

    // A version with pinned code has a `code` node whose document is the code record.
    const v3 = await f.store.saveVersion('toy', {
      artifacts: { state: {}, config: {}, model: null, metrics: {}, code: { format: 1, modules: [] } },
      lineage: { pipelineFileHash: 'a'.repeat(64), dataHash: 'b'.repeat(64), params: {}, runId: 'run-3' },
    });
    tree.refresh();
    const newest = (await tree.getChildren(toy))[0];
    const v3Nodes = await tree.getChildren(newest);
    assert.deepEqual(v3Nodes.map((a) => (a.kind === 'artifact' ? a.artifact : a.kind)), ['state', 'config', 'metrics', 'code']);
    const codeItem = tree.getTreeItem(v3Nodes[3]) as unknown as TreeItem;
    assert.deepEqual(JSON.parse(await docs.provideTextDocumentContent(codeItem.resourceUri as never)), { format: 1, modules: [] });
    await f.store.deleteVersion('toy', v3.version);
    tree.refresh();

    assert.equal((await tree.previousVersion(toy.location, 2))?.version, 1);
    assert.equal(await tree.previousVersion(toy.location, 1), undefined);

    // After a delete and a refresh the tree shows what is on disk.
    let fired = 0;
    tree.onDidChangeTreeData(() => fired++);
    await f.store.deleteVersion('toy', 2);
    tree.refresh();
    assert.equal(fired, 1);
    assert.deepEqual((await tree.getChildren(toy)).map((n) => (tree.getTreeItem(n) as unknown as TreeItem).label), ['v1']);
    // A deleted version's document says so instead of failing.
    assert.match(await docs.provideTextDocumentContent(model.resourceUri as never), /^\/\/ .*no version 2/);
  } finally {
    f.cleanup();
  }
});

test('a damaged store shows a message node, not an exception', async () => {
  const f = await fixture();
  try {
    fs.writeFileSync(path.join(f.dir, '.plumb', 'pipelines', 'toy', 'versions', '000003.json'), '{ not json');
    const tree = new VersionTreeProvider(async () => locatePipelines([f.file]));
    const [toy] = await tree.getChildren();
    const kids: VersionNode[] = await tree.getChildren(toy);
    assert.deepEqual(kids.map((k) => k.kind), ['version', 'version', 'message']);
  } finally {
    f.cleanup();
  }
});

test('alias names use the store rules', () => {
  assert.equal(aliasProblem('champion'), undefined);
  assert.match(aliasProblem('12') ?? '', /cannot be a number/);
  assert.match(aliasProblem('latest') ?? '', /latest/);
  assert.match(aliasProblem('../x') ?? '', /letters, digits/);
});

test('headline metric prefers accuracy, then the first name', () => {
  assert.deepEqual(headlineMetric({ loss: 0.2, accuracy: 0.9 }), ['accuracy', 0.9]);
  assert.deepEqual(headlineMetric({ zeta: 1, beta: 2 }), ['beta', 2]);
  assert.equal(headlineMetric({}), undefined);
});

test('a version command that arrives without its tree element uses the selection, or says what to do', async () => {
  const f = await fixture();
  reset();
  const log = { appendLine() {} } as never;
  const disposables = registerVersionExplorer(log);
  try {
    const compare = registered.get('plumb.versions.compareWithPrevious')!;
    // No element (the tree re-rendered under the click) and nothing selected: a message, no exception.
    await compare(undefined);
    assert.deepEqual(calls.infos, ['Plumb: select a version in the Plumb sidebar first.']);
    assert.deepEqual(calls.errors, []);

    // With v2 selected, the same call compares v1 with v2.
    const [location] = await locatePipelines([f.file]);
    const tree = new VersionTreeProvider(async () => [location]);
    const [toy] = await tree.getChildren();
    const [v2] = await tree.getChildren(toy);
    state.treeSelection = [v2];
    await compare(undefined);
    const diff = calls.executed.find((c) => c.id === 'vscode.diff');
    assert.ok(diff, 'vscode.diff was not executed');
    const q = encodeURIComponent(location.store);
    assert.deepEqual(diff.args.slice(0, 2).map(String), [`plumb-version:/toy/v1/version.json?${q}`, `plumb-version:/toy/v2/version.json?${q}`]);
    assert.equal(diff.args[2], 'toy version: v1 ↔ v2');
  } finally {
    for (const d of disposables) d.dispose();
    reset();
    f.cleanup();
  }
});

test('a sub-pipeline file is not listed as a pipeline until it has versions of its own', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-tree-sub-'));
  try {
    fs.mkdirSync(path.join(dir, 'shared'));
    const main = path.join(dir, 'main.pipeline.yaml');
    const prep = path.join(dir, 'shared', 'prep.pipeline.yaml');
    fs.writeFileSync(main, 'pipeline: main\nfeature:\n  - stage: prep\n    uses: ./shared/prep.pipeline.yaml\n');
    fs.writeFileSync(prep, 'pipeline: prep\nfeature:\n  - stage: impute\n    uses: impute\n');
    const tree = new VersionTreeProvider(async () => locatePipelines([main, prep]));
    const names = async () => (await tree.getChildren()).map((n) => (n.kind === 'pipeline' ? n.location.name : n.kind));
    assert.deepEqual(await names(), ['main'], 'prep is only included: no "No versions yet" entry for it');
    // Run by itself, the sub-pipeline has versions of its own: then it is listed.
    await new Store(path.join(dir, 'shared', '.plumb')).saveVersion('prep', {
      artifacts: { state: {}, config: {}, model: { kind: 'none' }, metrics: {} },
      lineage: { pipelineFileHash: 'a'.repeat(64), dataHash: 'b'.repeat(64), params: {}, runId: 'r1' },
      time: 1,
    });
    assert.deepEqual(await names(), ['main', 'prep']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

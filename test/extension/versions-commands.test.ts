// Every version explorer command against a real store filled by real training runs,
// through the commands as registered, with scripted answers to the prompts.
import './use-vscode-stub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../runtime/store/store';
import type { VersionNode } from '../../src/versions/tree';
import type { VersionDocumentProvider } from '../../src/versions/content';
import { calls, created, prompts, registered, workspace } from './vscode-stub';
import { REPO, item, openExplorer, toyWorkspace, train, versionLabels, versionNodes, type Explorer } from './versions-helpers';

const run = (id: string, ...args: unknown[]) => {
  const fn = registered.get(id);
  if (!fn) throw new Error(`command ${id} is not registered`);
  return fn(...args) as Promise<unknown>;
};

/** A workspace with two trained versions of `toy` and the explorer open on it. */
async function twoVersions(): Promise<{ ex: Explorer; store: Store; file: string; root: string; cleanup(): void }> {
  const ws = toyWorkspace();
  await train(ws.file);
  await train(ws.file);
  const ex = openExplorer([ws.file], ws.dir);
  const root = path.join(ws.dir, '.plumb');
  return { ex, store: new Store(root), file: ws.file, root, cleanup: () => (ex.dispose(), ws.cleanup()) };
}

async function version(ex: Explorer, n: number): Promise<Extract<VersionNode, { kind: 'version' }>> {
  const node = (await versionNodes(ex.tree)).find((v) => v.manifest.version === n);
  if (!node) throw new Error(`no v${n} in the tree`);
  return node;
}

test('tag: the alias resolves, the tree shows it, and moving it to another version works', async () => {
  const f = await twoVersions();
  try {
    prompts.inputAnswers.push(' champion ');
    await run('plumb.versions.tag', await version(f.ex, 1));
    assert.match(String((prompts.inputBoxes[0].options as { prompt: string }).prompt), /v1 of toy/);
    assert.equal(await f.store.resolve('toy', 'champion'), 1);
    const v1 = await version(f.ex, 1);
    assert.match(item(f.ex.tree, v1).description ?? '', /champion/);
    assert.equal(item(f.ex.tree, v1).contextValue, 'plumbVersion.tagged');

    prompts.inputAnswers.push('champion');
    await run('plumb.versions.tag', await version(f.ex, 2));
    assert.equal(await f.store.resolve('toy', 'champion'), 2);
    assert.deepEqual((await versionLabels(f.ex.tree)).map((l) => l.includes('champion')), [true, false]);
    assert.deepEqual(calls.errors, []);
  } finally {
    f.cleanup();
  }
});

test('tag: an invalid alias is refused in the input box with a clear reason, and nothing is written', async () => {
  const f = await twoVersions();
  try {
    for (const [typed, reason] of [
      ['../escape', /invalid alias name "\.\.\/escape": use letters, digits/],
      ['12', /cannot be a number/],
      ['latest', /"latest" always means the newest version/],
      ['', /it is empty/],
    ] as const) {
      prompts.inputAnswers.push(typed);
      await run('plumb.versions.tag', await version(f.ex, 1));
      assert.match(String(prompts.inputBoxes.at(-1)!.validation), reason, typed);
    }
    assert.deepEqual(await f.store.aliases('toy'), {});
    assert.equal(fs.existsSync(path.join(f.root, 'pipelines', 'toy', 'aliases')), false);
    assert.equal(fs.existsSync(path.resolve(f.root, 'pipelines', 'toy', 'escape')), false);
    assert.deepEqual(calls.errors, []);

    // Escape in the box: nothing happens.
    await run('plumb.versions.tag', await version(f.ex, 1));
    assert.deepEqual(await f.store.aliases('toy'), {});
  } finally {
    f.cleanup();
  }
});

test('tag on a version deleted meanwhile says so instead of failing silently', async () => {
  const f = await twoVersions();
  try {
    const v1 = await version(f.ex, 1);
    await f.store.deleteVersion('toy', 1);
    prompts.inputAnswers.push('champion');
    await run('plumb.versions.tag', v1);
    assert.equal(calls.errors.length, 1);
    assert.match(calls.errors[0], /^Plumb: tag failed: no version 1 of pipeline toy/);
    assert.deepEqual(await f.store.aliases('toy'), {});
  } finally {
    f.cleanup();
  }
});

test('untag: one alias goes without asking; with several, the picked one (cancel keeps all)', async () => {
  const f = await twoVersions();
  try {
    await f.store.tag('toy', 'champion', 1);
    await run('plumb.versions.untag', await version(f.ex, 1));
    assert.equal(prompts.quickPicks.length, 0);
    assert.deepEqual(await f.store.aliases('toy'), {});
    assert.equal(item(f.ex.tree, await version(f.ex, 1)).contextValue, 'plumbVersion');

    await f.store.tag('toy', 'a', 2);
    await f.store.tag('toy', 'b', 2);
    await run('plumb.versions.untag', await version(f.ex, 2)); // dismissed
    assert.deepEqual(await f.store.aliases('toy'), { a: 2, b: 2 });
    prompts.pickAnswers.push('b');
    await run('plumb.versions.untag', await version(f.ex, 2));
    assert.deepEqual(prompts.quickPicks.at(-1)!.items, ['a', 'b']);
    assert.deepEqual(await f.store.aliases('toy'), { a: 2 });
    assert.match((await versionLabels(f.ex.tree))[0], /^v2 .*· a ·/);
  } finally {
    f.cleanup();
  }
});

test('delete asks first (modal): cancel keeps the version, confirm removes it and its aliases', async () => {
  const f = await twoVersions();
  try {
    await f.store.tag('toy', 'champion', 2);
    const v2 = await version(f.ex, 2);
    await run('plumb.versions.delete', v2); // dismissed
    assert.equal(prompts.warnings.length, 1);
    const w = prompts.warnings[0];
    assert.equal(w.message, 'Delete v2 of toy and its aliases (champion)?');
    assert.equal((w.options as { modal?: boolean }).modal, true);
    assert.deepEqual(w.items, ['Delete']);
    assert.deepEqual((await f.store.listVersions('toy')).map((v) => v.version), [1, 2]);

    // An open document of v2 is re-read at once and now says the version is gone.
    const [, config] = await f.ex.tree.getChildren(v2);
    const docUri = item(f.ex.tree, config).resourceUri!;
    (workspace.textDocuments as unknown[]).push({ uri: docUri });
    const docs = created.contentProviders.find((p) => p.scheme === 'plumb-version')!.provider as VersionDocumentProvider;
    const reread: string[] = [];
    docs.onDidChange((u) => reread.push(String(u)));

    const refreshed = f.ex.nextChange();
    prompts.warningAnswers.push('Delete');
    await run('plumb.versions.delete', v2);
    await refreshed;
    assert.deepEqual(reread, [String(docUri)]);
    assert.match(await docs.provideTextDocumentContent(docUri as never), /^\/\/ .*no version 2/);
    assert.deepEqual((await f.store.listVersions('toy')).map((v) => v.version), [1]);
    assert.deepEqual(await f.store.aliases('toy'), {});
    assert.deepEqual((await versionLabels(f.ex.tree)).map((l) => l.split(' ')[0]), ['v1']);
    assert.deepEqual(calls.errors, []);
  } finally {
    workspace.textDocuments.length = 0;
    f.cleanup();
  }
});

test('compare with any version: a quick pick of the others, then the diff editor (cancel: nothing)', async () => {
  const f = await twoVersions();
  try {
    await train(f.file); // v3
    const v3 = (await versionNodes(f.ex.tree))[0];
    await f.store.tag('toy', 'champion', 1);
    await run('plumb.versions.compareWith', v3); // dismissed
    assert.equal(calls.executed.filter((c) => c.id === 'vscode.diff').length, 0);
    const items = prompts.quickPicks[0].items as { label: string; description?: string }[];
    assert.deepEqual(items.map((i) => [i.label, i.description ?? '']), [['v2', ''], ['v1', 'champion']]);

    prompts.pickAnswers.push('v1');
    await run('plumb.versions.compareWith', v3);
    const diff = calls.executed.find((c) => c.id === 'vscode.diff')!;
    const q = encodeURIComponent(f.root);
    assert.deepEqual(diff.args.map(String), [`plumb-version:/toy/v1/version.json?${q}`, `plumb-version:/toy/v3/version.json?${q}`, 'toy version: v1 ↔ v3']);

    // On an artifact, the same artifact of both versions.
    const [metrics] = (await f.ex.tree.getChildren(v3)).filter((n) => n.kind === 'artifact' && n.artifact === 'metrics');
    await run('plumb.versions.compareWithPrevious', metrics);
    const last = calls.executed.filter((c) => c.id === 'vscode.diff').at(-1)!;
    assert.deepEqual(last.args.map(String), [`plumb-version:/toy/v2/metrics.json?${q}`, `plumb-version:/toy/v3/metrics.json?${q}`, 'toy metrics: v2 ↔ v3']);
  } finally {
    f.cleanup();
  }
});

test('compare when there is nothing to compare with says so', async () => {
  const ws = toyWorkspace();
  await train(ws.file);
  const ex = openExplorer([ws.file], ws.dir);
  try {
    const [v1] = await versionNodes(ex.tree);
    await run('plumb.versions.compareWith', v1);
    await run('plumb.versions.compareWithPrevious', v1);
    assert.deepEqual(calls.infos, ['Plumb: there is no other version to compare with.', 'Plumb: v1 is the first version of toy.']);
    assert.equal(prompts.quickPicks.length, 0);
  } finally {
    ex.dispose();
    ws.cleanup();
  }
});

test('open shows the artifact as a read-only JSON document', async () => {
  const f = await twoVersions();
  try {
    const [, config] = await f.ex.tree.getChildren(await version(f.ex, 2));
    await run('plumb.versions.open', config);
    assert.deepEqual(created.documents.map(String), [`plumb-version:/toy/v2/config.json?${encodeURIComponent(f.root)}`]);
  } finally {
    f.cleanup();
  }
});

test('run and debug inference with a version start a plumb inference session on it', async () => {
  const f = await twoVersions();
  try {
    await run('plumb.versions.runInference', await version(f.ex, 1));
    await run('plumb.versions.debugInference', await version(f.ex, 2));
    const [runCall, debugCall] = calls.startDebugging as { config: Record<string, unknown>; opts: { noDebug: boolean } }[];
    assert.deepEqual(
      { ...runCall.config, name: undefined },
      { type: 'plumb', request: 'launch', name: undefined, mode: 'inference', version: 1, noDebug: true, pipeline: f.file },
    );
    assert.equal(runCall.opts.noDebug, true);
    assert.equal(debugCall.config.mode, 'inference');
    assert.equal(debugCall.config.version, 2);
    assert.equal(debugCall.config.pipeline, f.file);
    assert.ok(!debugCall.config.noDebug);
    assert.equal(debugCall.opts.noDebug, false);
  } finally {
    f.cleanup();
  }
});

test('inference from a store two pipeline files share asks which file (cancel: no session)', async () => {
  const ws = toyWorkspace();
  const twin = ws.write('twin.pipeline.yaml', fs.readFileSync(ws.file, 'utf8'));
  await train(ws.file);
  const ex = openExplorer([ws.file, twin], ws.dir);
  try {
    const [v1] = await versionNodes(ex.tree);
    await run('plumb.versions.runInference', v1); // dismissed
    assert.equal(calls.startDebugging.length, 0);
    prompts.pickAnswers.push('twin.pipeline.yaml');
    await run('plumb.versions.runInference', v1);
    assert.deepEqual((prompts.quickPicks[1].items as { label: string }[]).map((i) => i.label), ['toy.pipeline.yaml', 'twin.pipeline.yaml']);
    assert.equal((calls.startDebugging[0] as { config: { pipeline: string } }).config.pipeline, twin);
  } finally {
    ex.dispose();
    ws.cleanup();
  }
});

test('refresh re-reads the store', async () => {
  const f = await twoVersions();
  try {
    assert.equal((await versionLabels(f.ex.tree)).length, 2);
    await new Store(f.root).deleteVersion('toy', 1);
    const before = f.ex.changes();
    await run('plumb.versions.refresh');
    assert.equal(f.ex.changes(), before + 1);
    assert.deepEqual((await versionLabels(f.ex.tree)).map((l) => l.split(' ')[0]), ['v2']);
  } finally {
    f.cleanup();
  }
});

test('with no pipeline files the tree is empty, so the welcome view shows; it is for this view and its links exist', async () => {
  const ex = openExplorer([]);
  try {
    assert.deepEqual(await ex.tree.getChildren(), []);
    assert.equal(ex.view.id, 'plumb.versions');
  } finally {
    ex.dispose();
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const views = Object.values(pkg.contributes.views as Record<string, { id: string }[]>).flat().map((v) => v.id);
  assert.ok(views.includes('plumb.versions'));
  const welcome = (pkg.contributes.viewsWelcome as { view: string; contents: string }[]).filter((w) => w.view === 'plumb.versions');
  assert.equal(welcome.length, 1);
  const links = [...welcome[0].contents.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);
  const contributed = new Set((pkg.contributes.commands as { command: string }[]).map((c) => c.command));
  assert.ok(links.some((l) => l.startsWith('plumb.')), 'the welcome view offers no Plumb command');
  for (const l of links) assert.ok(contributed.has(l) || l.startsWith('workbench.'), `the welcome view links to ${l}, which no one contributes`);
  // The Plumb commands it links to are registered at activation.
  const extension = fs.readFileSync(path.join(REPO, 'src', 'extension.ts'), 'utf8');
  for (const l of links.filter((x) => x.startsWith('plumb.'))) assert.ok(extension.includes(`'${l}'`), `${l} is not registered in src/extension.ts`);
});

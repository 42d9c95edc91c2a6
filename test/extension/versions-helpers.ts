// Shared by the versions-*.test.ts files: a workspace with a real pipeline, the version
// explorer registered over the vscode stand-in, and waits on its tree's change event.
import './use-vscode-stub';
import * as path from 'node:path';
import { loadPipeline, runPipeline } from '../../runtime/index';
import type { VersionNode, VersionTreeProvider } from '../../src/versions/tree';
import { registerVersionExplorer } from '../../src/versions/view';
import { created, reset, state, type TreeItem } from './vscode-stub';
import { BASE_PIPELINE, workspace, type Workspace } from '../engine/fixture';

/** A workspace with the toy pipeline and its data; `store` (relative to the file) if given. */
export function toyWorkspace(store?: string): Workspace {
  const pipeline = store === undefined ? BASE_PIPELINE : BASE_PIPELINE.replace('target: label', `target: label\nstore: ${store}`);
  return workspace(pipeline, 80);
}

/** A training run of `file` through the runtime's public API; its version number. */
export async function train(file: string): Promise<number> {
  const r = await runPipeline(await loadPipeline(file), { mode: 'train' });
  if (r.status !== 'ok' || r.version === undefined) throw new Error(`training run failed: ${r.status}`);
  return r.version;
}

export interface Explorer {
  tree: VersionTreeProvider;
  view: (typeof created.treeViews)[number];
  /** Resolves at the next onDidChangeTreeData (rejects after `ms`: a safety bound, not a timing claim). */
  nextChange(ms?: number): Promise<void>;
  /** How many onDidChangeTreeData events so far. */
  changes(): number;
  dispose(): void;
}

/** Registers the explorer with `files` as the workspace's pipeline files. */
export function openExplorer(files: string[], folder?: string): Explorer {
  reset();
  state.files = files;
  state.workspaceFolder = folder;
  const disposables = registerVersionExplorer({ appendLine() {} } as never);
  const view = created.treeViews.at(-1)!;
  const tree = view.options.treeDataProvider as VersionTreeProvider;
  let count = 0;
  let waiters: (() => void)[] = [];
  tree.onDidChangeTreeData(() => {
    count++;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  });
  return {
    tree,
    view,
    changes: () => count,
    nextChange: (ms = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`the tree did not refresh within ${ms} ms`)), ms);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      }),
    dispose: () => {
      for (const d of disposables) d.dispose();
      reset();
    },
  };
}

/** Polls `cond` until true (a safety bound of `ms`, for work the code starts on its own). */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function item(tree: VersionTreeProvider, node: VersionNode): TreeItem {
  return tree.getTreeItem(node) as unknown as TreeItem;
}

/** The version nodes of the first pipeline (newest first). */
export async function versionNodes(tree: VersionTreeProvider, name = 'toy'): Promise<Extract<VersionNode, { kind: 'version' }>[]> {
  const roots = await tree.getChildren();
  const p = roots.find((r) => r.kind === 'pipeline' && r.location.name === name);
  if (!p) throw new Error(`no pipeline ${name} in the tree`);
  return (await tree.getChildren(p)).filter((n): n is Extract<VersionNode, { kind: 'version' }> => n.kind === 'version');
}

/** Label + description of each version node, e.g. `v2 (… · champion · accuracy 0.9)`. */
export async function versionLabels(tree: VersionTreeProvider, name = 'toy'): Promise<string[]> {
  return (await versionNodes(tree, name)).map((n) => {
    const i = item(tree, n);
    return `${i.label} ${i.description ?? ''}`;
  });
}

export function storeWatchPatterns(): { base: string; pattern: string; disposed: boolean }[] {
  return created.fileWatchers
    .filter((w) => typeof w.pattern !== 'string')
    .map((w) => {
      const p = w.pattern as { base: { fsPath: string }; pattern: string };
      return { base: p.base.fsPath, pattern: p.pattern, disposed: w.disposed };
    });
}

export const REPO = path.resolve(__dirname, '../..');

// Registers the version explorer: the tree, its document provider, its commands and the
// watcher that refreshes it when a store changes on disk.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkName } from '../../runtime/store/names';
import { PIPELINE_GLOB } from '../shared/pipeline-files';
import { startPipeline } from '../shared/launch';
import { SCHEME, type VersionView } from './artifact-uri';
import { VersionDocumentProvider } from './content';
import { locatePipelines } from './locate';
import { docUri, VersionTreeProvider, type VersionNode } from './tree';
import { StoreWatchers } from './watch';

const REFRESH_DELAY_MS = 300;

type VersionLike = Extract<VersionNode, { kind: 'version' | 'artifact' }>;

/** Why `value` is not a usable alias, or undefined when it is. */
export function aliasProblem(value: string): string | undefined {
  try {
    checkName('alias', value.trim());
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

async function workspacePipelines(): Promise<import('./locate').PipelineLocation[]> {
  const files = await vscode.workspace.findFiles(PIPELINE_GLOB, '**/node_modules/**');
  const storeSetting = vscode.workspace.getConfiguration('plumb').get<string>('store') || undefined;
  const baseDir = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return locatePipelines(files.map((f) => f.fsPath), { storeSetting, baseDir });
}

export function registerVersionExplorer(log: vscode.OutputChannel): vscode.Disposable[] {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let rescan = false;
  // Every way the stores can change lands here; a burst of file events is one refresh.
  const refreshSoon = (opts: { rescan?: boolean } = {}) => {
    rescan ||= !!opts.rescan;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (rescan) {
        rescan = false;
        // Pipeline files or the store setting changed: watch the stores they name now,
        // even while the view is hidden (then nothing asks the tree for its pipelines).
        await findPipelines().catch((e) => log.appendLine(`[versions] cannot list pipelines: ${e instanceof Error ? e.message : String(e)}`));
      }
      refreshNow();
    }, REFRESH_DELAY_MS);
  };
  // Open version documents too: a deleted version's document then says it is gone.
  const refreshNow = () => {
    tree.refresh();
    docs.refresh(vscode.workspace.textDocuments);
  };
  const watchers = new StoreWatchers(() => refreshSoon());
  const findPipelines = async () => {
    const locations = await workspacePipelines();
    watchers.update(locations);
    return locations;
  };
  const tree = new VersionTreeProvider(findPipelines);
  const docs = new VersionDocumentProvider((root) => tree.store(root));
  const view = vscode.window.createTreeView('plumb.versions', { treeDataProvider: tree, showCollapseAll: true });

  const fileWatcher = vscode.workspace.createFileSystemWatcher(PIPELINE_GLOB);
  const pipelinesChanged = () => refreshSoon({ rescan: true });
  fileWatcher.onDidCreate(pipelinesChanged);
  fileWatcher.onDidChange(pipelinesChanged);
  fileWatcher.onDidDelete(pipelinesChanged);
  const settingChanged = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('plumb.store')) pipelinesChanged();
  });
  // Cheap catch-alls for file systems where no watcher reports anything (network drives):
  // the tree is re-read when it comes into view, and on window focus if a store folder
  // changed (a redraw under the pointer would swallow a click on a row's action).
  const shown = view.onDidChangeVisibility((e) => {
    if (e.visible) refreshSoon();
  });
  const focused = vscode.window.onDidChangeWindowState((s) => {
    if (s.focused && view.visible && watchers.storesChanged()) refreshSoon();
  });
  // A run saves its version just before its session ends: refresh then too.
  const sessionEnded = vscode.debug.onDidTerminateDebugSession((s) => {
    if (s.type === 'plumb') refreshSoon();
  });
  void findPipelines().catch(() => undefined);

  const fail = (what: string, e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    log.appendLine(`[versions] ${what}: ${message}`);
    void vscode.window.showErrorMessage(`Plumb: ${what}: ${message}`);
  };
  // A click on a tree item's action while the tree re-renders (a run just saved a version)
  // reaches the command without its element; fall back to the selected version instead of
  // failing, and say so when there is none.
  const target = (n: unknown): VersionLike | undefined => {
    const isVersionLike = (x: unknown): x is VersionLike => typeof x === 'object' && x !== null && ((x as VersionNode).kind === 'version' || (x as VersionNode).kind === 'artifact');
    const chosen = isVersionLike(n) ? n : view.selection.find(isVersionLike);
    if (!chosen) void vscode.window.showInformationMessage('Plumb: select a version in the Plumb sidebar first.');
    return chosen;
  };
  const viewOf = (n: VersionLike): VersionView => (n.kind === 'artifact' ? n.artifact : 'version');
  const title = (n: VersionLike, a: number, b: number) => `${n.location.name} ${viewOf(n)}: v${a} ↔ v${b}`;
  const diff = (n: VersionLike, other: number) =>
    vscode.commands.executeCommand('vscode.diff', docUri(n.location, other, viewOf(n)), docUri(n.location, n.manifest.version, viewOf(n)), title(n, other, n.manifest.version));

  const commands: [string, (...args: any[]) => unknown][] = [
    ['plumb.versions.refresh', () => refreshNow()],
    [
      'plumb.versions.open',
      async (arg?: VersionLike) => {
        const n = target(arg);
        if (!n) return;
        const doc = await vscode.workspace.openTextDocument(docUri(n.location, n.manifest.version, viewOf(n)));
        await vscode.languages.setTextDocumentLanguage(doc, 'json');
        await vscode.window.showTextDocument(doc, { preview: true });
      },
    ],
    [
      'plumb.versions.compareWithPrevious',
      async (arg?: VersionLike) => {
        const n = target(arg);
        if (!n) return;
        const prev = await tree.previousVersion(n.location, n.manifest.version);
        if (!prev) return void vscode.window.showInformationMessage(`Plumb: v${n.manifest.version} is the first version of ${n.location.name}.`);
        await diff(n, prev.version);
      },
    ],
    [
      'plumb.versions.compareWith',
      async (arg?: VersionLike) => {
        const n = target(arg);
        if (!n) return;
        const list = await tree.store(n.location.store).listVersions(n.location.name, { skipDamaged: true });
        const picks = list.filter((v) => v.version !== n.manifest.version).reverse().map((v) => ({ label: `v${v.version}`, description: v.aliases?.join(', '), version: v.version }));
        if (!picks.length) return void vscode.window.showInformationMessage('Plumb: there is no other version to compare with.');
        const pick = await vscode.window.showQuickPick(picks, { placeHolder: `Compare v${n.manifest.version} with…` });
        if (pick) await diff(n, pick.version);
      },
    ],
    [
      'plumb.versions.tag',
      async (arg?: VersionLike) => {
        const n = target(arg);
        if (!n) return;
        const alias = await vscode.window.showInputBox({
          prompt: `Alias for v${n.manifest.version} of ${n.location.name} (moves it if it exists)`,
          placeHolder: 'champion',
          validateInput: (v) => aliasProblem(v),
        });
        if (!alias) return;
        try {
          await tree.store(n.location.store).tag(n.location.name, alias.trim(), n.manifest.version);
          refreshNow();
        } catch (e) {
          fail('tag failed', e);
        }
      },
    ],
    [
      'plumb.versions.untag',
      async (arg?: VersionLike) => {
        const n = target(arg);
        if (!n) return;
        const aliases = n.manifest.aliases ?? [];
        const alias = aliases.length === 1 ? aliases[0] : await vscode.window.showQuickPick(aliases, { placeHolder: 'Alias to remove' });
        if (!alias) return;
        try {
          await tree.store(n.location.store).untag(n.location.name, alias);
          refreshNow();
        } catch (e) {
          fail('untag failed', e);
        }
      },
    ],
    [
      'plumb.versions.delete',
      async (arg?: VersionLike) => {
        const n = target(arg);
        if (!n) return;
        const v = n.manifest.version;
        const aliases = n.manifest.aliases?.length ? ` and its aliases (${n.manifest.aliases.join(', ')})` : '';
        const ok = await vscode.window.showWarningMessage(
          `Delete v${v} of ${n.location.name}${aliases}?`,
          { modal: true, detail: 'The manifest is removed now; its objects stay until `plumb gc`.' },
          'Delete',
        );
        if (ok !== 'Delete') return;
        try {
          await tree.store(n.location.store).deleteVersion(n.location.name, v);
          refreshNow();
        } catch (e) {
          fail('delete failed', e);
        }
      },
    ],
    ['plumb.versions.runInference', (arg?: VersionLike) => { const n = target(arg); return n && runInference(n, true); }],
    ['plumb.versions.debugInference', (arg?: VersionLike) => { const n = target(arg); return n && runInference(n, false); }],
  ];

  async function runInference(n: VersionLike, noDebug: boolean): Promise<void> {
    let file = n.location.files[0];
    if (n.location.files.length > 1) {
      const pick = await vscode.window.showQuickPick(n.location.files.map((f) => ({ label: path.basename(f), description: vscode.workspace.asRelativePath(f), file: f })), { placeHolder: 'Which pipeline file?' });
      if (!pick) return;
      file = pick.file;
    }
    await startPipeline(file, { mode: 'inference', version: n.manifest.version, noDebug });
  }

  return [
    view,
    watchers,
    fileWatcher,
    settingChanged,
    shown,
    focused,
    sessionEnded,
    { dispose: () => clearTimeout(timer) },
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs),
    ...commands.map(([id, fn]) => vscode.commands.registerCommand(id, fn)),
  ];
}

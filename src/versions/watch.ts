// Keeps the version tree in step with the stores on disk, wherever they are: beside the
// pipeline, set with `store:`, set with the `plumb.store` setting, inside the workspace or
// not. Two sources feed the caller's (debounced) refresh:
// - one VS Code file watcher per store folder (`<store>/pipelines/**`);
// - node's fs.watch on each pipeline's `versions` and `aliases` folders, because the
//   workbench watcher sent no events at all under code-server (the e2e suite saw it) and
//   is not guaranteed for folders outside the workspace. fs.watch is not recursive on
//   every platform, so it watches exact folders, and the nearest existing parent of a
//   folder that does not exist yet (a store is created by its first save).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PipelineLocation } from './locate';

/** The store folders whose files the tree shows (runs and the listing cache are not shown). */
const SHOWN = ['versions', 'aliases'] as const;
const STORE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Parent-folder events re-check which folders exist after this pause (mkdir -p, then files). */
const RESYNC_DELAY_MS = 50;

/** Whether a change at `rel` (relative to a store root) can change what the tree shows. */
export function affectsTree(rel: string): boolean {
  const parts = rel.split(/[\\/]/).filter(Boolean);
  if (parts[0] !== 'pipelines') return false;
  const name = parts.at(-1)!;
  if (name.startsWith('.tmp-')) return false;
  // pipelines/<p> itself (created or deleted whole), or its versions/aliases folders.
  return parts.length <= 2 || (SHOWN as readonly string[]).includes(parts[2]);
}

/** Folders whose changes matter for these pipelines (names the store would refuse are skipped). */
export function shownFolders(locations: readonly PipelineLocation[]): string[] {
  const out = new Set<string>();
  for (const l of locations) {
    if (!STORE_NAME.test(l.name)) continue;
    for (const sub of SHOWN) out.add(path.join(l.store, 'pipelines', l.name, sub));
  }
  return [...out];
}

function inode(dir: string): number {
  try {
    const s = fs.statSync(dir);
    return s.isDirectory() ? s.ino : -1;
  } catch {
    return -1;
  }
}

function nearestExisting(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (inode(d) !== -1) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

interface FolderWatch {
  watcher: fs.FSWatcher;
  ino: number;
  /** A folder asked for (its file events refresh), not a stand-in parent. */
  target: boolean;
}

/** fs.watch on exact folders, or on their nearest existing parent until they exist. */
export class FolderWatcher implements vscode.Disposable {
  private targets: string[] = [];
  private readonly watches = new Map<string, FolderWatch>();
  private resyncTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly onChange: () => void) {}

  watch(folders: readonly string[]): void {
    if (this.disposed) return;
    // No refresh here: the caller is listing the pipelines, so the tree is being drawn now.
    this.targets = [...new Set(folders)];
    this.sync();
  }

  /** Folders watched now (targets or their stand-in parents). */
  get watched(): string[] {
    return [...this.watches.keys()].sort();
  }

  /** Brings the watches in line with the disk; true when a target folder started being watched. */
  private sync(): boolean {
    let started = false;
    // Repeat while the disk moves under us, so a folder made between the check and the
    // watch is not missed.
    for (let round = 0; round < 5 && !this.disposed; round++) {
      const want = new Map<string, boolean>();
      for (const t of this.targets) {
        const d = nearestExisting(t);
        if (d !== undefined) want.set(d, want.get(d) === true || d === t);
      }
      for (const [dir, w] of this.watches) {
        if (want.get(dir) !== w.target || inode(dir) !== w.ino) {
          w.watcher.close();
          this.watches.delete(dir);
        }
      }
      let changed = false;
      for (const [dir, target] of want) {
        if (this.watches.has(dir)) continue;
        const ino = inode(dir);
        try {
          const watcher = fs.watch(dir, { persistent: false }, (_event, name) => this.event(target, name));
          watcher.on('error', () => this.resyncSoon());
          this.watches.set(dir, { watcher, ino, target });
          changed = true;
          if (target) started = true;
        } catch {
          // Not watchable (permissions, a vanished folder): the other refresh sources remain.
        }
      }
      const stable = this.targets.every((t) => {
        const d = nearestExisting(t);
        return d === undefined || this.watches.has(d);
      });
      if (!changed || stable) break;
    }
    return started;
  }

  private event(target: boolean, name: string | Buffer | null): void {
    const file = name?.toString();
    if (target && file !== 'index.json' && !file?.startsWith('.tmp-')) this.onChange();
    // A parent's event may mean a folder we wait for now exists; a target's may mean it was removed.
    this.resyncSoon();
  }

  private resyncSoon(): void {
    clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => {
      if (this.sync()) this.onChange();
    }, RESYNC_DELAY_MS);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.resyncTimer);
    for (const w of this.watches.values()) w.watcher.close();
    this.watches.clear();
  }
}

/** One VS Code watcher per store folder plus the fs.watch fallback, rebuilt by `update`. */
export class StoreWatchers implements vscode.Disposable {
  private readonly byStore = new Map<string, vscode.FileSystemWatcher>();
  private readonly folders: FolderWatcher;
  private disposed = false;
  private signature = '';

  constructor(private readonly onChange: () => void) {
    this.folders = new FolderWatcher(onChange);
  }

  /** Watch exactly the stores (and pipeline folders) of these pipelines. */
  update(locations: readonly PipelineLocation[]): void {
    if (this.disposed) return; // a listing that finished after the view was closed
    const stores = new Set(locations.map((l) => l.store));
    for (const [root, w] of this.byStore) {
      if (!stores.has(root)) {
        w.dispose();
        this.byStore.delete(root);
      }
    }
    for (const root of stores) {
      if (this.byStore.has(root)) continue;
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), 'pipelines/**'));
      const on = (uri: vscode.Uri) => {
        if (affectsTree(path.relative(root, uri.fsPath))) this.onChange();
      };
      w.onDidCreate(on);
      w.onDidChange(on);
      w.onDidDelete(on);
      this.byStore.set(root, w);
    }
    this.shown = shownFolders(locations);
    this.folders.watch(this.shown);
    this.signature = this.currentSignature();
  }

  private shown: string[] = [];

  /**
   * Whether any watched pipeline's versions or aliases changed since the last call (or the
   * last `update`): a folder's mtime moves when an entry is added, removed or renamed. For
   * refreshes on window focus that would otherwise redraw the tree for nothing.
   */
  storesChanged(): boolean {
    const now = this.currentSignature();
    const changed = now !== this.signature;
    this.signature = now;
    return changed;
  }

  private currentSignature(): string {
    return this.shown
      .map((dir) => {
        try {
          const st = fs.statSync(dir);
          return `${st.ino}:${st.mtimeMs}`;
        } catch {
          return '-';
        }
      })
      .join('|');
  }

  /** Store roots watched now. */
  get stores(): string[] {
    return [...this.byStore.keys()].sort();
  }

  /** Folders fs.watch watches now. */
  get folderWatches(): string[] {
    return this.folders.watched;
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.byStore.values()) w.dispose();
    this.byStore.clear();
    this.folders.dispose();
  }
}

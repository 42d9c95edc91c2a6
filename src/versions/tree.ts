// The version explorer: pipelines → versions → artifacts, read through the runtime's
// Store. The provider gets its pipeline list from a function, so tests can hand it
// temp stores without a workspace.
import * as vscode from 'vscode';
import { Store } from '../../runtime/store/store';
import type { ArtifactName, VersionManifest } from '../../runtime/store/manifest';
import { formatValue } from '../../runtime/monitor/trace';
import type { PipelineLocation } from './locate';
import { SCHEME, versionDocPath, type VersionView } from './artifact-uri';

export type VersionNode =
  | { kind: 'pipeline'; location: PipelineLocation }
  | { kind: 'version'; location: PipelineLocation; manifest: VersionManifest }
  | { kind: 'artifact'; location: PipelineLocation; manifest: VersionManifest; artifact: ArtifactName }
  | { kind: 'message'; text: string; detail?: string };

const ARTIFACTS: { name: ArtifactName; icon: string; label: string }[] = [
  { name: 'state', icon: 'symbol-variable', label: 'state (fitted features)' },
  { name: 'config', icon: 'settings-gear', label: 'config' },
  { name: 'model', icon: 'circuit-board', label: 'model' },
  { name: 'metrics', icon: 'graph', label: 'metrics' },
];

/** Metric shown beside a version: the first of these that it has, else its first one. */
const HEADLINE = ['accuracy', 'f1', 'roc_auc', 'r2', 'rmse', 'mae'];

export function headlineMetric(metrics: Record<string, number>): [string, number] | undefined {
  const key = HEADLINE.find((k) => k in metrics) ?? Object.keys(metrics).sort()[0];
  return key === undefined ? undefined : [key, metrics[key]];
}

export function relativeTime(time: number, now: number): string {
  const s = Math.max(0, Math.round((now - time) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 30 * 86400) return `${Math.floor(s / 86400)} d ago`;
  return new Date(time).toISOString().slice(0, 10);
}

export function versionDescription(m: VersionManifest, now: number): string {
  const parts = [relativeTime(m.time, now)];
  if (m.aliases?.length) parts.push(m.aliases.join(', '));
  const head = headlineMetric(m.metrics);
  if (head) parts.push(`${head[0]} ${formatValue(head[1])}`);
  return parts.join(' · ');
}

export function docUri(location: PipelineLocation, version: number, view: VersionView): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: versionDocPath({ pipeline: location.name, version, view }), query: encodeURIComponent(location.store) });
}

export class VersionTreeProvider implements vscode.TreeDataProvider<VersionNode> {
  private readonly changed = new vscode.EventEmitter<VersionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stores = new Map<string, Store>();

  constructor(
    private readonly findPipelines: () => Promise<PipelineLocation[]>,
    private readonly now: () => number = Date.now,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  private async hasVersions(location: PipelineLocation): Promise<boolean> {
    try {
      return (await this.store(location.store).listVersions(location.name, { skipDamaged: true })).length > 0;
    } catch {
      return true; // show it, so the tree can say why the store cannot be read
    }
  }

  store(root: string): Store {
    let s = this.stores.get(root);
    if (!s) this.stores.set(root, (s = new Store(root)));
    return s;
  }

  async getChildren(node?: VersionNode): Promise<VersionNode[]> {
    if (!node) {
      // A sub-pipeline file is listed only once it has versions of its own (run by itself).
      const shown: VersionNode[] = [];
      for (const location of await this.findPipelines()) {
        if (location.includedOnly && !(await this.hasVersions(location))) continue;
        shown.push({ kind: 'pipeline', location });
      }
      return shown;
    }
    if (node.kind === 'pipeline') {
      try {
        const list = await this.store(node.location.store).listVersions(node.location.name, { skipDamaged: true });
        const versions: VersionNode[] = [...list].sort((a, b) => b.version - a.version).map((manifest) => ({ kind: 'version', location: node.location, manifest }));
        for (const d of list.damaged ?? []) versions.push({ kind: 'message', text: 'damaged file', detail: d.message });
        return versions.length ? versions : [{ kind: 'message', text: 'No versions yet — run the pipeline in train mode' }];
      } catch (e) {
        return [{ kind: 'message', text: 'Cannot read the store', detail: e instanceof Error ? e.message : String(e) }];
      }
    }
    if (node.kind === 'version') {
      return ARTIFACTS.filter((a) => a.name !== 'model' || node.manifest.objects.model !== undefined).map((a) => ({
        kind: 'artifact',
        location: node.location,
        manifest: node.manifest,
        artifact: a.name,
      }));
    }
    return [];
  }

  getTreeItem(node: VersionNode): vscode.TreeItem {
    const None = vscode.TreeItemCollapsibleState.None;
    switch (node.kind) {
      case 'pipeline': {
        const item = new vscode.TreeItem(node.location.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `p:${node.location.store}:${node.location.name}`;
        item.description = node.location.files.map((f) => vscode.workspace.asRelativePath(f)).join(', ');
        item.tooltip = `${node.location.files.join('\n')}\nstore: ${node.location.store}`;
        item.iconPath = new vscode.ThemeIcon('type-hierarchy');
        item.contextValue = 'plumbPipeline';
        return item;
      }
      case 'version': {
        const m = node.manifest;
        const item = new vscode.TreeItem(`v${m.version}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `v:${node.location.store}:${node.location.name}:${m.version}`;
        item.description = versionDescription(m, this.now());
        const metrics = Object.entries(m.metrics).map(([k, v]) => `${k}: ${formatValue(v)}`).join('\n');
        item.tooltip = `v${m.version} of ${m.pipeline}\nsaved ${new Date(m.time).toLocaleString()}\nrun ${m.runId}${m.parent ? `\nparent v${m.parent}` : ''}${m.aliases?.length ? `\naliases: ${m.aliases.join(', ')}` : ''}${metrics ? `\n\n${metrics}` : ''}`;
        item.iconPath = new vscode.ThemeIcon(m.aliases?.length ? 'tag' : 'versions');
        item.contextValue = m.aliases?.length ? 'plumbVersion.tagged' : 'plumbVersion';
        return item;
      }
      case 'artifact': {
        const a = ARTIFACTS.find((x) => x.name === node.artifact)!;
        const item = new vscode.TreeItem(a.label, None);
        const size = node.manifest.sizes[node.artifact];
        item.description = size === undefined ? undefined : `${size.toLocaleString('en-US')} B`;
        item.iconPath = new vscode.ThemeIcon(a.icon);
        item.contextValue = 'plumbArtifact';
        item.command = { command: 'plumb.versions.open', title: 'Open', arguments: [node] };
        item.resourceUri = docUri(node.location, node.manifest.version, node.artifact);
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, None);
        item.tooltip = node.detail;
        item.description = node.detail;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
    }
  }

  /** The version just before `m` (by number) among the pipeline's versions. */
  async previousVersion(location: PipelineLocation, version: number): Promise<VersionManifest | undefined> {
    const list = await this.store(location.store).listVersions(location.name, { skipDamaged: true });
    return list.filter((v) => v.version < version).sort((a, b) => a.version - b.version).at(-1);
  }
}

// Read-only JSON documents for `plumb-version:` URIs, straight from the store.
import * as vscode from 'vscode';
import type { Store } from '../../runtime/store/store';
import { artifactJson } from '../../runtime/store/json-view';
import { parseVersionDoc, type VersionDocRef } from './artifact-uri';

/** The text of one view of a version (pretty JSON, keys as stored; float64 weights as plain arrays). */
export async function renderVersionDoc(store: Store, ref: VersionDocRef): Promise<string> {
  if (ref.view === 'version') {
    const v = await store.loadVersion(ref.pipeline, ref.version);
    const { objects: _ids, sizes: _sizes, ...manifest } = v.manifest;
    return artifactJson({ ...manifest, config: v.config, metrics: v.metrics }) + '\n';
  }
  return artifactJson(await store.loadArtifact(ref.pipeline, ref.version, ref.view)) + '\n';
}

export class VersionDocumentProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly storeAt: (root: string) => Store) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = parseVersionDoc(uri.path, uri.query);
    try {
      return await renderVersionDoc(this.storeAt(ref.store), ref);
    } catch (e) {
      // Shown as the document: the version may have been deleted since the tree was drawn.
      return `// ${e instanceof Error ? e.message : String(e)}\n`;
    }
  }

  /** Re-read open documents (after the store changed on disk). */
  refresh(docs: readonly vscode.TextDocument[]): void {
    for (const d of docs) if (d.uri.scheme === 'plumb-version') this.changed.fire(d.uri);
  }
}

// Problems in pipeline files, from the runtime's own validator, refreshed on open, on
// save and while typing (debounced). In a trusted workspace the modules named in `uses:`
// are loaded to check their exports and `with:` schema — in the inspect host, a child
// process (inspect-client.ts), never here: loading runs their top-level code. In a
// restricted (untrusted) workspace no module is loaded at all; only its file must exist.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Diagnostic as PlumbDiagnostic } from '../../runtime/errors';
import { validatePipeline } from '../../runtime/spec/load';
import { isPipelineDocument } from '../shared/pipeline-files';
import { InspectClient } from './inspect-client';

export const TYPING_DELAY_MS = 300;

/** Runtime diagnostic (1-based, end exclusive) → 0-based range parts, never inverted. */
export function toZeroBased(d: PlumbDiagnostic): { line: number; character: number; endLine: number; endCharacter: number } {
  if (!d.range) return { line: 0, character: 0, endLine: 0, endCharacter: 0 };
  const line = d.range.start.line - 1;
  const character = d.range.start.col - 1;
  let endLine = d.range.end.line - 1;
  let endCharacter = d.range.end.col - 1;
  // An empty range would be invisible: widen it by one character.
  if (endLine < line || (endLine === line && endCharacter <= character)) {
    endLine = line;
    endCharacter = character + 1;
  }
  return { line, character, endLine, endCharacter };
}

export function toVscodeDiagnostic(d: PlumbDiagnostic): vscode.Diagnostic {
  const r = toZeroBased(d);
  const diag = new vscode.Diagnostic(
    new vscode.Range(r.line, r.character, r.endLine, r.endCharacter),
    d.message,
    d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error,
  );
  diag.source = 'plumb';
  diag.code = d.code;
  return diag;
}

/** The diagnostics that belong to `file` itself (not to a sub-pipeline file it includes). */
export function ownDiagnostics(found: PlumbDiagnostic[], file: string): PlumbDiagnostic[] {
  const self = path.resolve(file);
  return found.filter((d) => path.resolve(d.file) === self);
}

export class PipelineDiagnostics implements vscode.Disposable {
  readonly collection: vscode.DiagnosticCollection;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Latest request per document; an older validation finishing late is dropped. */
  private readonly generation = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly inspector: InspectClient;
  /** Set when this object started the inspect host itself (and so ends it on dispose). */
  private readonly ownsInspector: boolean;

  constructor(
    private readonly isTrusted: () => boolean = () => vscode.workspace.isTrusted,
    inspector?: InspectClient,
  ) {
    this.inspector = inspector ?? new InspectClient();
    this.ownsInspector = !inspector;
    this.collection = vscode.languages.createDiagnosticCollection('plumb');
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => void this.validate(d)),
      vscode.workspace.onDidSaveTextDocument((d) => void this.validate(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.cancel(d);
        this.collection.delete(d.uri);
      }),
    );
    for (const d of vscode.workspace.textDocuments) void this.validate(d);
  }

  schedule(doc: vscode.TextDocument, delayMs = TYPING_DELAY_MS): void {
    if (!isPipelineDocument(doc)) return;
    this.cancel(doc);
    this.timers.set(doc.uri.toString(), setTimeout(() => void this.validate(doc), delayMs));
  }

  private cancel(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  async validate(doc: vscode.TextDocument): Promise<void> {
    if (!isPipelineDocument(doc)) return;
    this.cancel(doc);
    const key = doc.uri.toString();
    const gen = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, gen);
    const text = doc.getText();
    // In Restricted Mode, stage modules are never loaded (that would run their code): the
    // validator checks everything else and only that each module file exists. Trusted, the
    // inspect host loads them, away from the extension host.
    const found: PlumbDiagnostic[] = this.isTrusted()
      ? await this.inspector.validate(doc.uri.fsPath, text)
      : await validatePipeline(doc.uri.fsPath, { text, loadModules: false });
    if (this.generation.get(key) !== gen) return;
    // Problems inside an included sub-pipeline file carry that file's positions: here they
    // are summarised by one diagnostic at the `uses:` line; the sub file shows its own when open.
    this.collection.set(doc.uri, ownDiagnostics(found, doc.uri.fsPath).map(toVscodeDiagnostic));
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.subscriptions.forEach((s) => s.dispose());
    this.collection.dispose();
    if (this.ownsInspector) this.inspector.dispose();
  }
}

// Draws RunResults after each stage line of the visible pipeline editors.
import * as vscode from 'vscode';
import type { EngineEvent } from '../../runtime/engine/events';
import { RunResults, type ResultKind } from './run-results';

const COLORS: Record<ResultKind, vscode.ThemeColor> = {
  ok: new vscode.ThemeColor('testing.iconPassed'),
  error: new vscode.ThemeColor('errorForeground'),
  running: new vscode.ThemeColor('descriptionForeground'),
  retry: new vscode.ThemeColor('editorWarning.foreground'),
};

export class RunDecorations implements vscode.Disposable {
  readonly results = new RunResults();
  private readonly types = new Map<ResultKind, vscode.TextEditorDecorationType>();
  private readonly sub: vscode.Disposable;

  constructor() {
    for (const kind of Object.keys(COLORS) as ResultKind[]) {
      this.types.set(kind, vscode.window.createTextEditorDecorationType({ after: { color: COLORS[kind], margin: '0 0 0 2em', fontStyle: 'italic' } }));
    }
    this.sub = vscode.window.onDidChangeVisibleTextEditors(() => this.redrawAll());
  }

  handle(e: EngineEvent): void {
    const files = this.results.apply(e);
    if (files.length) for (const ed of vscode.window.visibleTextEditors) if (files.includes(ed.document.uri.fsPath)) this.draw(ed);
  }

  private redrawAll(): void {
    for (const ed of vscode.window.visibleTextEditors) this.draw(ed);
  }

  private draw(editor: vscode.TextEditor): void {
    const results = this.results.resultsFor(editor.document.uri.fsPath);
    for (const [kind, type] of this.types) {
      const mine = results.filter((r) => r.kind === kind && r.line - 1 < editor.document.lineCount);
      editor.setDecorations(
        type,
        mine.map((r) => {
          const end = editor.document.lineAt(r.line - 1).range.end;
          return { range: new vscode.Range(end, end), renderOptions: { after: { contentText: r.text } } };
        }),
      );
    }
  }

  dispose(): void {
    this.sub.dispose();
    for (const t of this.types.values()) t.dispose();
  }
}

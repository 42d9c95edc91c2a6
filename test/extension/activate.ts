// activate() under the vscode stand-in, with a fake editor that records its decorations.
import * as path from 'node:path';
import { activate } from '../../src/extension';
import { created, Range, Uri } from './vscode-stub';

export const ROOT = path.resolve(__dirname, '..', '..');

export function activated(): { subscriptions: { dispose(): unknown }[] } {
  const context = { subscriptions: [] as { dispose(): unknown }[], extensionUri: Uri.file(ROOT), extensionPath: ROOT };
  activate(context as never);
  return context;
}

export function dispose(context: { subscriptions: { dispose(): unknown }[] }): void {
  for (const d of context.subscriptions) d.dispose();
}

export interface FakeEditor {
  document: { uri: Uri; languageId: string; lineCount: number; isDirty: boolean; lineAt(i: number): { range: Range }; getText(): string };
  setDecorations(type: { key: string }, options: { range: Range; renderOptions: { after: { contentText: string } } }[]): void;
  /** What each decoration kind (by its colour's theme id) shows: "line: text". */
  shown(): Record<string, string[]>;
}

export function fakeEditor(file: string, text: string): FakeEditor {
  const lines = text.split('\n');
  const byType = new Map<string, { range: Range; renderOptions: { after: { contentText: string } } }[]>();
  return {
    document: { uri: Uri.file(file), languageId: 'plumb-pipeline', lineCount: lines.length, isDirty: false, lineAt: (i) => ({ range: new Range(i, 0, i, lines[i].length) }), getText: () => text },
    setDecorations: (type, options) => byType.set(type.key, options),
    shown() {
      const out: Record<string, string[]> = {};
      for (const t of created.decorationTypes) {
        const color = (t.options as { after: { color: { id: string } } }).after.color.id;
        const list = byType.get(t.key) ?? [];
        if (list.length) out[color] = list.map((d) => `${d.range.start.line + 1}: ${d.renderOptions.after.contentText}`);
      }
      return out;
    },
  };
}

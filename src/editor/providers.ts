// VS Code glue for completions, hovers and CodeLens: converts the plain results of
// completions.ts / hover.ts / lenses.ts. No logic of its own beyond caching the catalog.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { builtinCatalog, makeCatalog, type StageCatalog, type StageInfo } from './catalog';
import { completionsAt, type Completion } from './completions';
import { hoverAt } from './hover';
import { stageLenses } from './lenses';
import { InspectClient } from './inspect-client';
import { describeNamedModules, localStageInfos } from './local-stages';
import { outlinePipeline, type Span } from './outline';
import { LANGUAGE_ID } from '../shared/pipeline-files';

const LOCAL_CACHE_MS = 5000;

export class CatalogCache {
  private readonly builtins: StageInfo[] = builtinCatalog();
  private readonly local = new Map<string, { at: number; infos: Promise<StageInfo[]> }>();

  constructor(
    private readonly isTrusted: () => boolean = () => vscode.workspace.isTrusted,
    /** Loads the modules that `text` names, in a child process (never in this one). */
    private readonly inspector: InspectClient = new InspectClient(),
  ) {}

  /**
   * Built-ins plus the modules under the pipeline file's folder, by name; those that
   * `text` names in `uses:` are described by the inspect host. Only when trusted.
   */
  async forFile(file: string, text?: string): Promise<StageCatalog> {
    if (!this.isTrusted()) return makeCatalog(this.builtins);
    const dir = path.dirname(file);
    let entry = this.local.get(dir);
    if (!entry || Date.now() - entry.at > LOCAL_CACHE_MS) {
      entry = { at: Date.now(), infos: localStageInfos(dir) };
      this.local.set(dir, entry);
    }
    // A pipeline file is not offered as a sub-pipeline of itself (that would be a cycle).
    let local = (await entry.infos).filter((i) => path.resolve(dir, i.uses) !== path.resolve(file));
    if (text !== undefined) local = await describeNamedModules(local, file, text, this.inspector);
    return makeCatalog([...this.builtins, ...local]);
  }
}

export function toRange(s: Span): vscode.Range {
  return new vscode.Range(s.line, s.character, s.endLine, s.endCharacter);
}

const KINDS: Record<Completion['kind'], vscode.CompletionItemKind> = {
  stage: vscode.CompletionItemKind.Function,
  module: vscode.CompletionItemKind.File,
  property: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
};

export function registerEditorProviders(catalogs: CatalogCache): vscode.Disposable[] {
  const selector: vscode.DocumentSelector = { language: LANGUAGE_ID };
  return [
    vscode.languages.registerCompletionItemProvider(
      selector,
      {
        async provideCompletionItems(doc, pos) {
          const catalog = await catalogs.forFile(doc.uri.fsPath, doc.getText());
          return completionsAt(doc.getText(), pos.line, pos.character, catalog).map((c) => {
            const item = new vscode.CompletionItem(c.label, KINDS[c.kind]);
            item.detail = c.detail;
            if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
            item.insertText = c.insertText;
            item.range = new vscode.Range(pos.line, c.start, pos.line, pos.character);
            item.sortText = c.sortText;
            return item;
          });
        },
      },
      ':', ' ', '/', '.', '{', ',',
    ),
    vscode.languages.registerHoverProvider(selector, {
      async provideHover(doc, pos) {
        const h = hoverAt(outlinePipeline(doc.getText()), pos.line, pos.character, await catalogs.forFile(doc.uri.fsPath, doc.getText()));
        return h ? new vscode.Hover(new vscode.MarkdownString(h.markdown), toRange(h.span)) : undefined;
      },
    }),
    vscode.languages.registerCodeLensProvider(selector, {
      provideCodeLenses(doc) {
        if (!vscode.workspace.isTrusted) return [];
        return stageLenses(outlinePipeline(doc.getText())).map(
          (l) =>
            new vscode.CodeLens(new vscode.Range(l.span.line, 0, l.span.line, 0), {
              title: l.title,
              tooltip: l.tooltip,
              command: 'plumb.startFromLens',
              arguments: [doc.uri, l.launch],
            }),
        );
      },
    }),
  ];
}

// A small stand-in for the `vscode` module: just the classes and functions the
// extension's plain parts touch, behaving like the real ones where tests look. Calls
// that show UI are recorded in `calls` so tests can assert on them.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export const calls = { errors: [] as string[], infos: [] as string[], startDebugging: [] as unknown[], executed: [] as { id: string; args: unknown[] }[] };
export const state = {
  isTrusted: true,
  activeTextEditor: undefined as undefined | { document: { uri: Uri; languageId: string } },
  settings: {} as Record<string, unknown>,
  treeSelection: [] as unknown[],
  visibleTextEditors: [] as unknown[],
  activeDebugSession: undefined as unknown,
  /** What `workspace.findFiles` returns, and the one workspace folder (if any). */
  files: [] as string[],
  workspaceFolder: undefined as string | undefined,
};

/** Commands registered through `commands.registerCommand`, by id. */
export const registered = new Map<string, (...args: unknown[]) => unknown>();

export function reset(): void {
  calls.errors.length = 0;
  calls.infos.length = 0;
  calls.startDebugging.length = 0;
  calls.executed.length = 0;
  registered.clear();
  state.treeSelection = [];
  state.isTrusted = true;
  state.activeTextEditor = undefined;
  state.settings = {};
  state.visibleTextEditors = [];
  state.activeDebugSession = undefined;
  for (const list of Object.values(created)) list.length = 0;
  for (const list of Object.values(providers)) list.length = 0;
  for (const e of Object.values(debugEvents)) e.dispose();
  state.files = [];
  state.workspaceFolder = undefined;
  for (const list of Object.values(prompts)) list.length = 0;
  for (const e of Object.values(workbenchEvents)) e.dispose();
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query = '',
  ) {}
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static from(c: { scheme: string; path?: string; query?: string }): Uri {
    return new Uri(c.scheme, c.path ?? '', c.query ?? '');
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, path.posix.join(base.path, ...parts), base.query);
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}:${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c!, d!) : (b as Position);
  }
}

export enum DiagnosticSeverity {
  Error = 0,
  Warning = 1,
  Information = 2,
  Hint = 3,
}

export class Diagnostic {
  source?: string;
  code?: string | number;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: DiagnosticSeverity = DiagnosticSeverity.Error,
  ) {}
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}

export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: string;
  iconPath?: unknown;
  contextValue?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  resourceUri?: Uri;
  constructor(
    readonly label: string,
    readonly collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

export class ThemeIcon {
  constructor(readonly id: string) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  readonly event = (l: (e: T) => void) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

const disposable = () => ({ dispose() {} });

export class DiagnosticCollectionStub {
  readonly entries = new Map<string, Diagnostic[]>();
  set(uri: Uri, diags: Diagnostic[]): void {
    this.entries.set(uri.toString(), diags);
  }
  delete(uri: Uri): void {
    this.entries.delete(uri.toString());
  }
  dispose(): void {}
}

export const workspace = {
  get isTrusted() {
    return state.isTrusted;
  },
  textDocuments: [] as unknown[],
  getConfiguration: (section: string) => ({ get: <T>(key: string) => state.settings[`${section}.${key}`] as T | undefined }),
  asRelativePath: (p: string) => path.basename(p),
  getWorkspaceFolder: () => undefined,
  onDidOpenTextDocument: disposable,
  onDidSaveTextDocument: disposable,
  onDidChangeTextDocument: disposable,
  onDidCloseTextDocument: disposable,
  findFiles: async () => state.files.map((f) => Uri.file(f)),
  onDidChangeConfiguration: (l: (e: { affectsConfiguration(section: string): boolean }) => void) => workbenchEvents.configuration.event(l),
  createFileSystemWatcher: (pattern: string | RelativePattern) => {
    const w = new FileSystemWatcherStub(pattern);
    created.fileWatchers.push(w);
    return w;
  },
  openTextDocument: async (uri: Uri) => {
    created.documents.push(uri);
    return { uri, languageId: 'plaintext' };
  },
  registerTextDocumentContentProvider: (scheme: string, provider: unknown) => {
    const entry = { scheme, provider };
    created.contentProviders.push(entry);
    return { dispose: () => created.contentProviders.splice(created.contentProviders.indexOf(entry), 1) };
  },
  get workspaceFolders() {
    return state.workspaceFolder === undefined ? undefined : [{ uri: Uri.file(state.workspaceFolder), name: path.basename(state.workspaceFolder), index: 0 }];
  },
  fs: { readFile: async (uri: Uri) => new Uint8Array(await fsp.readFile(uri.fsPath)) },
};

export const commands = {
  registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
    registered.set(id, fn);
    return { dispose: () => registered.delete(id) };
  },
  // Built-in commands (vscode.diff, …) are recorded; registered ones run.
  executeCommand: async (id: string, ...args: unknown[]) => {
    calls.executed.push({ id, args });
    return registered.get(id)?.(...args);
  },
};

export const window = {
  get activeTextEditor() {
    return state.activeTextEditor;
  },
  showErrorMessage: async (m: string) => {
    calls.errors.push(m);
    return undefined;
  },
  showInformationMessage: async (m: string) => {
    calls.infos.push(m);
    return undefined;
  },
  get visibleTextEditors() {
    return state.visibleTextEditors;
  },
  onDidChangeVisibleTextEditors: disposable,
  createOutputChannel: (name: string) => {
    const c = new OutputChannelStub(name);
    created.outputChannels.push(c);
    return c;
  },
  createStatusBarItem: () => {
    const item = new StatusBarItemStub();
    created.statusBarItems.push(item);
    return item;
  },
  createTextEditorDecorationType: (options: unknown) => {
    const t = { key: `decoration-${created.decorationTypes.length}`, options, dispose() {} };
    created.decorationTypes.push(t);
    return t;
  },
  createWebviewPanel: (viewType: string, title: string) => {
    const panel = new WebviewPanelStub(viewType, title);
    created.webviewPanels.push(panel);
    return panel;
  },
  createTreeView: (id: string, options: { treeDataProvider: unknown }) => {
    const view = {
      id,
      options,
      visible: true,
      visibility: new EventEmitter<{ visible: boolean }>(),
      onDidChangeVisibility: (l: (e: { visible: boolean }) => void) => view.visibility.event(l),
      get selection() {
        return state.treeSelection;
      },
      dispose() {},
    };
    created.treeViews.push(view);
    return view;
  },
  onDidChangeWindowState: (l: (e: { focused: boolean }) => void) => workbenchEvents.windowState.event(l),
  showTextDocument: async (doc: unknown) => doc,
  // Prompts answer from `prompts`, in order; an empty list means the user dismissed it.
  showWarningMessage: async (message: string, ...rest: unknown[]) => {
    const options = typeof rest[0] === 'object' ? rest.shift() : undefined;
    const items = rest as string[];
    prompts.warnings.push({ message, options, items });
    const answer = prompts.warningAnswers.shift();
    return answer !== undefined && items.includes(answer) ? answer : undefined;
  },
  showInputBox: async (options: { validateInput?: (v: string) => string | undefined | null | Promise<string | undefined | null> } = {}) => {
    const answer = prompts.inputAnswers.shift();
    const validation = answer === undefined ? undefined : ((await options.validateInput?.(answer)) ?? undefined);
    prompts.inputBoxes.push({ options, answer, validation });
    // As in VS Code: text the validator rejects cannot be accepted, so the user escapes.
    return validation ? undefined : answer;
  },
  showQuickPick: async <T extends string | { label: string }>(items: readonly T[] | Promise<readonly T[]>, options?: unknown) => {
    const list = await items;
    prompts.quickPicks.push({ items: list, options });
    const answer = prompts.pickAnswers.shift();
    return list.find((i) => (typeof i === 'string' ? i : i.label) === answer);
  },
};

export const languages = {
  createDiagnosticCollection: () => new DiagnosticCollectionStub(),
  registerCompletionItemProvider: (selector: unknown, provider: unknown, ...triggers: string[]) => record('completion', selector, provider, triggers),
  registerHoverProvider: (selector: unknown, provider: unknown) => record('hover', selector, provider),
  registerCodeLensProvider: (selector: unknown, provider: unknown) => record('codeLens', selector, provider),
  setTextDocumentLanguage: async (doc: object, languageId: string) => ({ ...doc, languageId }),
};

export const debug = {
  onDidTerminateDebugSession: (l: (s: DebugSessionLike) => void) => debugEvents.terminate.event(l),
  onDidReceiveDebugSessionCustomEvent: (l: (e: { session: DebugSessionLike; event: string; body?: unknown }) => void) => debugEvents.custom.event(l),
  get activeDebugSession() {
    return state.activeDebugSession;
  },
  activeStackItem: undefined as unknown,
  registerDebugConfigurationProvider: (type: string, provider: unknown, trigger?: DebugConfigurationProviderTriggerKind) => record('debugConfiguration', type, provider, trigger),
  registerDebugAdapterDescriptorFactory: (type: string, factory: unknown) => record('debugAdapterFactory', type, factory),
  startDebugging: async (folder: unknown, config: unknown, opts: unknown) => {
    calls.startDebugging.push({ folder, config, opts });
    return true;
  },
};

export class DebugAdapterExecutable {
  constructor(
    readonly command: string,
    readonly args: string[],
    readonly options?: { env?: Record<string, string> },
  ) {}
}

// ---- what activate() needs: language features, debug registrations, status bar, output
// channel, decorations and the webview panel, each recorded so tests can look at it.

export enum CompletionItemKind {
  Function = 2,
  Property = 9,
  File = 16,
  EnumMember = 19,
}

export class CompletionItem {
  detail?: string;
  documentation?: unknown;
  insertText?: string;
  range?: Range;
  sortText?: string;
  constructor(
    readonly label: string,
    readonly kind?: CompletionItemKind,
  ) {}
}

export class MarkdownString {
  constructor(readonly value = '') {}
}

export class Hover {
  constructor(
    readonly contents: unknown,
    readonly range?: Range,
  ) {}
}

export class CodeLens {
  constructor(
    readonly range: Range,
    readonly command?: { title: string; command: string; tooltip?: string; arguments?: unknown[] },
  ) {}
}

export class RelativePattern {
  constructor(
    readonly base: unknown,
    readonly pattern: string,
  ) {}
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export enum ViewColumn {
  Beside = -2,
  Active = -1,
  One = 1,
}

export enum DebugConfigurationProviderTriggerKind {
  Initial = 1,
  Dynamic = 2,
}

export interface DebugSessionLike {
  id: string;
  type: string;
  name?: string;
  configuration: Record<string, unknown>;
  customRequest?(command: string, args?: unknown): Promise<unknown>;
}

/** Fire these to play VS Code's debug events. */
export const debugEvents = {
  custom: new EventEmitter<{ session: DebugSessionLike; event: string; body?: unknown }>(),
  terminate: new EventEmitter<DebugSessionLike>(),
};

export class OutputChannelStub {
  readonly lines: string[] = [];
  constructor(readonly name: string) {}
  appendLine(m: string): void {
    this.lines.push(m);
  }
  append(m: string): void {
    this.lines.push(m);
  }
  trace(m: string): void {
    this.lines.push(`[trace] ${m}`);
  }
  debug(m: string): void {
    this.lines.push(`[debug] ${m}`);
  }
  info(m: string): void {
    this.lines.push(`[info] ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`[warning] ${m}`);
  }
  error(m: string): void {
    this.lines.push(`[error] ${m}`);
  }
  show(): void {}
  dispose(): void {}
}

export class StatusBarItemStub {
  text = '';
  name?: string;
  tooltip?: string;
  command?: string;
  visible = false;
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {
    this.visible = false;
  }
}

export class WebviewPanelStub {
  readonly posted: unknown[] = [];
  iconPath?: unknown;
  disposed = false;
  private readonly received = new EventEmitter<unknown>();
  private readonly disposedEmitter = new EventEmitter<void>();
  readonly webview = {
    html: '',
    cspSource: 'vscode-webview:',
    asWebviewUri: (u: Uri) => u,
    postMessage: async (m: unknown) => {
      this.posted.push(m);
      return true;
    },
    onDidReceiveMessage: this.received.event,
  };
  readonly onDidDispose = this.disposedEmitter.event;
  constructor(
    readonly viewType: string,
    readonly title: string,
  ) {}
  /** A message from the page. */
  receive(m: unknown): void {
    this.received.fire(m);
  }
  reveal(): void {}
  dispose(): void {
    this.disposed = true;
    this.disposedEmitter.fire();
  }
}

export const created = {
  outputChannels: [] as OutputChannelStub[],
  statusBarItems: [] as StatusBarItemStub[],
  webviewPanels: [] as WebviewPanelStub[],
  decorationTypes: [] as { key: string; options: unknown }[],
  fileWatchers: [] as FileSystemWatcherStub[],
  treeViews: [] as { id: string; options: { treeDataProvider: unknown }; visible: boolean; visibility: EventEmitter<{ visible: boolean }> }[],
  documents: [] as Uri[],
  contentProviders: [] as { scheme: string; provider: unknown }[],
};

type ProviderKind = 'completion' | 'hover' | 'codeLens' | 'debugConfiguration' | 'debugAdapterFactory';
export const providers = {
  completion: [] as { selector: unknown; provider: unknown; extra?: unknown }[],
  hover: [] as { selector: unknown; provider: unknown; extra?: unknown }[],
  codeLens: [] as { selector: unknown; provider: unknown; extra?: unknown }[],
  debugConfiguration: [] as { selector: unknown; provider: unknown; extra?: unknown }[],
  debugAdapterFactory: [] as { selector: unknown; provider: unknown; extra?: unknown }[],
};

function record(kind: ProviderKind, selector: unknown, provider: unknown, extra?: unknown) {
  const entry = { selector, provider, extra };
  providers[kind].push(entry);
  return { dispose: () => providers[kind].splice(providers[kind].indexOf(entry), 1) };
}

/** A file watcher whose events tests fire by hand (`fire('change', uri)`). */
export class FileSystemWatcherStub {
  disposed = false;
  private readonly emitters = { create: new EventEmitter<Uri>(), change: new EventEmitter<Uri>(), delete: new EventEmitter<Uri>() };
  readonly onDidCreate = this.emitters.create.event;
  readonly onDidChange = this.emitters.change.event;
  readonly onDidDelete = this.emitters.delete.event;
  constructor(readonly pattern: string | RelativePattern) {}
  fire(kind: 'create' | 'change' | 'delete', uri: Uri): void {
    if (!this.disposed) this.emitters[kind].fire(uri);
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** Scripted prompt answers (taken in order) and the prompts shown. */
export const prompts = {
  warningAnswers: [] as (string | undefined)[],
  inputAnswers: [] as (string | undefined)[],
  /** Labels to pick. */
  pickAnswers: [] as (string | undefined)[],
  warnings: [] as { message: string; options: unknown; items: string[] }[],
  inputBoxes: [] as { options: unknown; answer?: string; validation?: string | null }[],
  quickPicks: [] as { items: readonly unknown[]; options: unknown }[],
};

/** Fire these to play workbench events (a setting changed, the window gained focus). */
export const workbenchEvents = {
  configuration: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),
  windowState: new EventEmitter<{ focused: boolean }>(),
};

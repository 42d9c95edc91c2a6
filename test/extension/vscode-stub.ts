// A small stand-in for the `vscode` module: just the classes and functions the
// extension's plain parts touch, behaving like the real ones where tests look. Calls
// that show UI are recorded in `calls` so tests can assert on them.
import * as path from 'node:path';

export const calls = { errors: [] as string[], infos: [] as string[], startDebugging: [] as unknown[], executed: [] as { id: string; args: unknown[] }[] };
export const state = {
  isTrusted: true,
  activeTextEditor: undefined as undefined | { document: { uri: Uri; languageId: string } },
  settings: {} as Record<string, unknown>,
  treeSelection: [] as unknown[],
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
  findFiles: async () => [] as Uri[],
  createFileSystemWatcher: () => ({ onDidCreate: disposable, onDidChange: disposable, onDidDelete: disposable, dispose() {} }),
  registerTextDocumentContentProvider: disposable,
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
  createTreeView: () => ({
    get selection() {
      return state.treeSelection;
    },
    dispose() {},
  }),
};

export const languages = {
  createDiagnosticCollection: () => new DiagnosticCollectionStub(),
};

export const debug = {
  onDidTerminateDebugSession: disposable,
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

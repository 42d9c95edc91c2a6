// A stand-in for the parts of the `vscode` module the metrics panel host uses: a webview
// panel that records what the host posts and lets a test send page messages back.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export class Uri {
  private constructor(readonly fsPath: string) {}
  static file(p: string): Uri {
    return new Uri(p);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(path.join(base.fsPath, ...parts));
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `file://${this.fsPath}`;
  }
}

export const ViewColumn = { Beside: -2 };

export interface FakePanel {
  posted: unknown[];
  /** Delivers a message from the page to the host. */
  send(m: unknown): void;
  disposed: boolean;
}

export const panels: FakePanel[] = [];

export const window = {
  createWebviewPanel(): unknown {
    let listener: ((m: unknown) => void) | undefined;
    const record: FakePanel = { posted: [], disposed: false, send: (m) => listener?.(m) };
    panels.push(record);
    return {
      webview: {
        cspSource: 'vscode-resource:',
        html: '',
        asWebviewUri: (u: Uri) => u,
        postMessage: async (m: unknown) => {
          // Webview messages are structured-cloned, so what the page gets is a copy.
          record.posted.push(structuredClone(m));
          return true;
        },
        onDidReceiveMessage: (fn: (m: unknown) => void) => {
          listener = fn;
          return { dispose() {} };
        },
      },
      onDidDispose: () => ({ dispose() {} }),
      reveal() {},
      dispose() {
        record.disposed = true;
      },
      iconPath: undefined,
    };
  },
};

export const workspace = {
  workspaceFolders: undefined,
  getConfiguration: () => ({ get: () => undefined }),
  fs: { readFile: async (u: Uri) => new Uint8Array(await fs.readFile(u.fsPath)) },
};

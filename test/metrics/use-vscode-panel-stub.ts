// Makes `import * as vscode from 'vscode'` load ./vscode-panel-stub.ts. Import this first.
import Module from 'node:module';
import * as path from 'node:path';

const stub = path.join(__dirname, 'vscode-panel-stub.ts');
type Resolve = (request: string, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: Resolve };
const original = M._resolveFilename;
M._resolveFilename = function (request: string, ...rest: unknown[]): string {
  return request === 'vscode' ? stub : original.call(this, request, ...rest);
};

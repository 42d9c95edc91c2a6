// The adapter always runs as its own Node process (Electron's node, run as plain node),
// never inline in the extension host: a stuck adapter then cannot freeze VS Code.
import * as path from 'node:path';
import * as vscode from 'vscode';

export class PlumbAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionPath: string) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    return new vscode.DebugAdapterExecutable(process.execPath, [path.join(this.extensionPath, 'dist', 'adapter.js')], {
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  }
}

// Starting a pipeline session from a command, a CodeLens or the version tree: always
// through vscode.debug.startDebugging, so the configuration provider's checks apply.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEBUG_TYPE, type PlumbLaunchConfiguration } from '../debug/config-provider';

export interface StartOptions {
  noDebug?: boolean;
  mode?: 'train' | 'inference';
  version?: number | string;
  stopAfterStage?: string;
  stopOnEntry?: boolean;
}

export function launchConfigFor(file: string, opts: StartOptions = {}): PlumbLaunchConfiguration {
  const verb = opts.noDebug ? 'Run' : 'Debug';
  const what = opts.mode === 'inference' ? ` inference${opts.version !== undefined ? ` v${opts.version}` : ''}` : '';
  const config: PlumbLaunchConfiguration = { type: DEBUG_TYPE, request: 'launch', name: `${verb} ${path.basename(file)}${what}`, pipeline: file, mode: opts.mode ?? 'train' };
  if (opts.version !== undefined) config.version = opts.version;
  if (opts.stopAfterStage) config.stopAfterStage = opts.stopAfterStage;
  if (opts.stopOnEntry) config.stopOnEntry = true;
  if (opts.noDebug) config.noDebug = true;
  return config;
}

export async function startPipeline(file: string, opts: StartOptions = {}): Promise<boolean> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  return vscode.debug.startDebugging(folder, launchConfigFor(file, opts), { noDebug: !!opts.noDebug });
}

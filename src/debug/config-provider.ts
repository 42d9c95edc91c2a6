// F5 without a launch.json: fills a `plumb` launch configuration from the active
// pipeline editor, applies the user's settings, and refuses (with a message saying
// why) in an untrusted workspace or when no pipeline file is at hand.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { outlinePipeline, type SectionName } from '../editor/outline';
import { isPipelineDocument, isPipelinePath } from '../shared/pipeline-files';

export const DEBUG_TYPE = 'plumb';

export interface PlumbLaunchConfiguration extends vscode.DebugConfiguration {
  pipeline?: string;
  mode?: 'train' | 'inference';
  version?: number | string;
  params?: Record<string, unknown> | string[];
  stopOnEntry?: boolean;
  noDebug?: boolean;
  store?: string;
  stopAfterStage?: string;
  data?: string;
  /** Folder that relative paths are resolved against (the adapter's own when absent). */
  cwd?: string;
  /** Heap limit of the session host in MB. */
  maxMemoryMb?: number;
}

export const NO_PIPELINE_MESSAGE =
  'Plumb: open a *.pipeline.yaml file (or set "pipeline" in launch.json) to run or debug it.';
export const UNTRUSTED_MESSAGE =
  'Plumb: running and debugging pipelines is disabled in Restricted Mode, because it runs the stage code in this workspace. Trust the workspace to enable it.';

export function defaultConfiguration(): PlumbLaunchConfiguration {
  return { type: DEBUG_TYPE, request: 'launch', name: 'Debug pipeline', pipeline: '${file}', mode: 'train', stopOnEntry: false };
}

/** A copy of `config` to fill in, or undefined (after telling the user) when the workspace is untrusted. */
function trustedCopy(config: vscode.DebugConfiguration): PlumbLaunchConfiguration | undefined {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(UNTRUSTED_MESSAGE);
    return undefined;
  }
  return { ...config } as PlumbLaunchConfiguration;
}

function activePipelineFile(): string | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && isPipelineDocument(doc) ? doc.uri.fsPath : undefined;
}

export class PlumbConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.ProviderResult<vscode.DebugConfiguration[]> {
    return [
      defaultConfiguration(),
      { type: DEBUG_TYPE, request: 'launch', name: 'Run inference (latest version)', pipeline: '${file}', mode: 'inference', version: 'latest', noDebug: true },
    ];
  }

  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    const c = trustedCopy(config);
    if (!c) return undefined;
    const empty = !c.type && !c.request && !c.name;
    if (empty || !c.pipeline) {
      const file = activePipelineFile();
      if (!file) {
        void vscode.window.showErrorMessage(NO_PIPELINE_MESSAGE);
        return undefined;
      }
      c.pipeline = file;
      if (empty) c.name = `Debug ${path.basename(file)}`;
    }
    c.type = DEBUG_TYPE;
    c.request ??= 'launch';
    c.name ??= `Debug ${path.basename(String(c.pipeline))}`;
    c.mode ??= 'train';
    const settings = vscode.workspace.getConfiguration('plumb');
    const store = settings.get<string>('store');
    if (c.store === undefined && store) c.store = store;
    return c;
  }

  /** After ${file} and friends are substituted: the path must now name a pipeline file. */
  resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    // Checked again here: trust can be withdrawn between the two resolve steps, and another
    // provider of this type may have filled the configuration in the first one.
    const c = trustedCopy(config);
    if (!c) return undefined;
    if (typeof c.pipeline !== 'string' || !isPipelinePath(c.pipeline)) {
      void vscode.window.showErrorMessage(`Plumb: "pipeline" must be a *.pipeline.yaml file, got ${JSON.stringify(c.pipeline ?? null)}.`);
      return undefined;
    }
    // `cwd` (itself relative to the folder) is what relative paths mean, as in the adapter.
    const folderPath = folder?.uri.fsPath ?? process.cwd();
    if (typeof c.cwd === 'string' && c.cwd) c.cwd = path.resolve(folderPath, c.cwd);
    const base = c.cwd || folderPath;
    c.pipeline = path.resolve(base, c.pipeline);
    if (typeof c.store === 'string' && c.store) c.store = path.resolve(base, c.store);
    if (typeof c.data === 'string' && c.data) c.data = path.resolve(base, c.data);
    return this.withDefaultStopAfter(c);
  }

  /**
   * The `plumb.stopAfterStage` setting, only where it makes sense: not over the launch's
   * own stopAfterStage or stopOnEntry, not in a run without debugging (nothing pauses), and
   * only when that stage runs in the launch's mode — a training stage named in the setting
   * would otherwise make every inference launch fail ("no stage … runs in inference mode").
   */
  private withDefaultStopAfter(c: PlumbLaunchConfiguration): PlumbLaunchConfiguration {
    const stage = vscode.workspace.getConfiguration('plumb').get<string>('stopAfterStage');
    if (!stage || c.stopAfterStage !== undefined || c.stopOnEntry || c.noDebug) return c;
    if (stageRunsIn(String(c.pipeline), c.mode ?? 'train', stage)) c.stopAfterStage = stage;
    return c;
  }
}

/** Whether `stage` (a stage name, or a stage of a sub-pipeline: `group/inner`) runs in `mode`. */
export function stageRunsIn(file: string, mode: 'train' | 'inference', stage: string): boolean {
  // Read synchronously: one small file once per launch, and the provider stays synchronous.
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false; // the adapter reports a missing file itself
  }
  const sections: SectionName[] = mode === 'inference' ? ['feature', 'inference'] : ['feature', 'training'];
  return outlinePipeline(text).stages.some((s) => sections.includes(s.section) && (s.name === stage || stage.startsWith(`${s.name}/`)));
}

// The debug configuration provider and adapter factory, against the vscode stand-in.
import './use-vscode-stub';
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { calls, reset, state, Uri } from './vscode-stub';
import { NO_PIPELINE_MESSAGE, PlumbConfigurationProvider, UNTRUSTED_MESSAGE } from '../../src/debug/config-provider';
import { PlumbAdapterFactory } from '../../src/debug/descriptor-factory';
import { launchConfigFor } from '../../src/shared/launch';

const provider = new PlumbConfigurationProvider();
// The provider's signature uses vscode types; the stand-in is structurally enough.
const resolve = (config: Record<string, unknown>) => provider.resolveDebugConfiguration(undefined, config as never) as Record<string, unknown> | undefined;
const open = (file: string, languageId = 'plumb-pipeline') => (state.activeTextEditor = { document: { uri: Uri.file(file), languageId } });

beforeEach(reset);

test('F5 with no launch.json fills the configuration from the active pipeline editor', () => {
  open('/w/churn.pipeline.yaml');
  const c = resolve({});
  assert.deepEqual(c, { type: 'plumb', request: 'launch', name: 'Debug churn.pipeline.yaml', pipeline: '/w/churn.pipeline.yaml', mode: 'train' });
  assert.deepEqual(calls.errors, []);
});

test('no pipeline file active: a clear error and no session', () => {
  open('/w/notes.md', 'markdown');
  assert.equal(resolve({}), undefined);
  assert.deepEqual(calls.errors, [NO_PIPELINE_MESSAGE]);
});

test('a launch.json entry keeps its own values; settings fill only what it leaves out', () => {
  state.settings = { 'plumb.store': '/stores/shared', 'plumb.stopAfterStage': 'scale' };
  const c = resolve({ type: 'plumb', request: 'launch', name: 'mine', pipeline: '/w/a.pipeline.yml', mode: 'inference', version: 'champion', stopAfterStage: 'predict' });
  assert.equal(c?.pipeline, '/w/a.pipeline.yml');
  assert.equal(c?.mode, 'inference');
  assert.equal(c?.version, 'champion');
  assert.equal(c?.stopAfterStage, 'predict');
  assert.equal(c?.store, '/stores/shared');
});

test('restricted mode refuses to run with a message', () => {
  state.isTrusted = false;
  open('/w/churn.pipeline.yaml');
  assert.equal(resolve({}), undefined);
  assert.deepEqual(calls.errors, [UNTRUSTED_MESSAGE]);
});

test('after substitution the pipeline must be a pipeline file; relative paths resolve against the folder', () => {
  const folder = { uri: Uri.file('/w'), name: 'w', index: 0 };
  const ok = provider.resolveDebugConfigurationWithSubstitutedVariables(folder as never, { type: 'plumb', request: 'launch', name: 'x', pipeline: 'p/a.pipeline.yaml', data: 'd.csv' }) as Record<string, unknown>;
  assert.equal(ok.pipeline, path.resolve('/w/p/a.pipeline.yaml'));
  assert.equal(ok.data, path.resolve('/w/d.csv'));
  const bad = provider.resolveDebugConfigurationWithSubstitutedVariables(folder as never, { type: 'plumb', request: 'launch', name: 'x', pipeline: '/w/readme.md' });
  assert.equal(bad, undefined);
  assert.match(calls.errors[0], /must be a \*\.pipeline\.yaml file/);
});

test('provideDebugConfigurations offers a debug and an inference entry using ${file}', () => {
  const list = provider.provideDebugConfigurations() as Record<string, unknown>[];
  assert.deepEqual(list.map((c) => [c.type, c.pipeline, c.mode]), [['plumb', '${file}', 'train'], ['plumb', '${file}', 'inference']]);
});

test('the adapter runs as its own node process from dist/adapter.js', () => {
  const d = new PlumbAdapterFactory('/ext').createDebugAdapterDescriptor() as unknown as { command: string; args: string[]; options: { env: Record<string, string> } };
  assert.equal(d.command, process.execPath);
  assert.deepEqual(d.args, [path.join('/ext', 'dist', 'adapter.js')]);
  assert.equal(d.options.env.ELECTRON_RUN_AS_NODE, '1');
});

test('launch configurations for commands and lenses', () => {
  assert.deepEqual(launchConfigFor('/w/a.pipeline.yaml', { mode: 'inference', version: 3, noDebug: true }), {
    type: 'plumb', request: 'launch', name: 'Run a.pipeline.yaml inference v3', pipeline: '/w/a.pipeline.yaml', mode: 'inference', version: 3, noDebug: true,
  });
  assert.deepEqual(launchConfigFor('/w/a.pipeline.yaml', { stopAfterStage: 'scale' }), {
    type: 'plumb', request: 'launch', name: 'Debug a.pipeline.yaml', pipeline: '/w/a.pipeline.yaml', mode: 'train', stopAfterStage: 'scale',
  });
});

// The `plumb.stopAfterStage` setting is applied after substitution, from the pipeline file.
function withPipeline(run: (file: string, folder: { uri: Uri; name: string; index: number }) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-config-'));
  try {
    const file = path.join(dir, 'churn.pipeline.yaml');
    fs.writeFileSync(
      file,
      [
        'pipeline: churn',
        'data: { train: d.csv }',
        'feature:',
        '  - stage: scale',
        '    uses: standard-scale',
        'training:',
        '  - stage: train_loop',
        '    uses: logistic-regression',
        '  - stage: prep',
        '    uses: ./prep.pipeline.yaml',
        'inference:',
        '  - stage: predict',
        '    uses: predict',
        '',
      ].join('\n'),
    );
    run(file, { uri: Uri.file(dir), name: 'w', index: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const substituted = (folder: unknown, config: Record<string, unknown>) =>
  provider.resolveDebugConfigurationWithSubstitutedVariables(folder as never, { type: 'plumb', request: 'launch', name: 'x', ...config }) as Record<string, unknown> | undefined;

test('the stopAfterStage setting applies only where its stage runs, and never over stopOnEntry or a launch of its own', () => {
  withPipeline((file, folder) => {
    state.settings = { 'plumb.stopAfterStage': 'train_loop' };
    assert.equal(substituted(folder, { pipeline: file, mode: 'train' })?.stopAfterStage, 'train_loop');
    // "Run inference with this version" (and its debug twin): train_loop does not run there.
    assert.equal(substituted(folder, { pipeline: file, mode: 'inference', version: 2 })?.stopAfterStage, undefined);
    assert.equal(substituted(folder, { pipeline: file, mode: 'inference', version: 2, noDebug: true })?.stopAfterStage, undefined);
    // "Debug from here" on a first stage uses stopOnEntry; a launch's own stage wins.
    assert.equal(substituted(folder, { pipeline: file, mode: 'train', stopOnEntry: true })?.stopAfterStage, undefined);
    assert.equal(substituted(folder, { pipeline: file, mode: 'train', stopAfterStage: 'scale' })?.stopAfterStage, 'scale');
    // A run without debugging never pauses.
    assert.equal(substituted(folder, { pipeline: file, mode: 'train', noDebug: true })?.stopAfterStage, undefined);

    // A feature stage runs in both modes; a sub-pipeline's inner stage counts under its group.
    state.settings = { 'plumb.stopAfterStage': 'scale' };
    assert.equal(substituted(folder, { pipeline: file, mode: 'inference' })?.stopAfterStage, 'scale');
    state.settings = { 'plumb.stopAfterStage': 'prep/clean' };
    assert.equal(substituted(folder, { pipeline: file, mode: 'train' })?.stopAfterStage, 'prep/clean');
    assert.equal(substituted(folder, { pipeline: file, mode: 'inference' })?.stopAfterStage, undefined);
    state.settings = { 'plumb.stopAfterStage': 'nowhere' };
    assert.equal(substituted(folder, { pipeline: file, mode: 'train' })?.stopAfterStage, undefined);
    assert.deepEqual(calls.errors, []);
  });
});

test('the first resolve step leaves the stopAfterStage setting to the second (it needs the file)', () => {
  state.settings = { 'plumb.stopAfterStage': 'train_loop' };
  open('/w/churn.pipeline.yaml');
  assert.equal(resolve({})?.stopAfterStage, undefined);
});

test('relative paths resolve against cwd (itself relative to the folder) when the launch sets one', () => {
  withPipeline((file, folder) => {
    const c = substituted(folder, { pipeline: path.basename(file), cwd: '.', store: 'st', data: 'in.csv' });
    assert.equal(c?.cwd, path.dirname(file));
    assert.equal(c?.pipeline, file);
    assert.equal(c?.store, path.join(path.dirname(file), 'st'));
    const nested = substituted({ uri: Uri.file('/w'), name: 'w', index: 0 }, { pipeline: 'a.pipeline.yaml', cwd: 'sub' });
    assert.equal(nested?.pipeline, path.resolve('/w/sub/a.pipeline.yaml'));
  });
});

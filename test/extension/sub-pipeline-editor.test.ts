// Editor help with sub-pipelines: `uses:` completion offers *.pipeline.yaml files with
// their params as `with:` keys; a parent's diagnostics keep only its own; run results of
// a sub-pipeline's stages never land on the parent file's lines.
import './use-vscode-stub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { builtinCatalog, makeCatalog } from '../../src/editor/catalog';
import { completionsAt } from '../../src/editor/completions';
import { findSubPipelines, localStageInfos } from '../../src/editor/local-stages';
import { RunResults } from '../../src/editor/run-results';
import { PipelineDiagnostics } from '../../src/editor/diagnostics';
import { Uri, type DiagnosticCollectionStub, type Diagnostic } from './vscode-stub';
import { loadPipeline, runPipeline, validatePipeline, type EngineEvent } from '../../runtime/index';
import { readFileSync } from 'node:fs';
import { workspace, BASE_PIPELINE, PREP_PIPELINE, WITH_SUB_PIPELINE as WITH_SUB } from '../engine/fixture';

// The shared sub file with a description (its stage lines, 5 and 8, are asserted below).
const PREP = PREP_PIPELINE.replace('params:', 'description: fill and scale\nparams:');

test('uses: completion offers sub-pipeline files; their params are the with: keys', async () => {
  const ws = workspace(WITH_SUB);
  try {
    ws.write('shared/prep.pipeline.yaml', PREP);
    assert.deepEqual(await findSubPipelines(ws.dir), ['./shared/prep.pipeline.yaml', './toy.pipeline.yaml']);
    const infos = await localStageInfos(ws.dir);
    const prep = infos.find((i) => i.uses === './shared/prep.pipeline.yaml')!;
    assert.equal(prep.kind, 'sub-pipeline');
    assert.equal(prep.summary, 'sub-pipeline: fill and scale');
    assert.deepEqual(prep.params.map((p) => [p.name, p.default]), [['strategy', 'mean']]);
    const catalog = makeCatalog([...builtinCatalog(), prep]);
    const text = 'pipeline: x\nfeature:\n  - stage: a\n    uses: \n';
    const items = completionsAt(text, 3, 10, catalog);
    assert.ok(items.some((c) => c.label === './shared/prep.pipeline.yaml' && c.detail === 'sub-pipeline: fill and scale'));
  } finally {
    ws.cleanup();
  }
});

test('a parent file shows only its own diagnostics (the summary at uses:); sub-pipeline run results go to the lines of the sub file', async () => {
  const ws = workspace(WITH_SUB);
  try {
    ws.write('shared/prep.pipeline.yaml', PREP.replace('uses: standard-scale', 'uses: standard-scael'));
    const all = await validatePipeline(ws.file);
    assert.equal(all.length, 2);
    const d = new PipelineDiagnostics(() => true);
    await d.validate({ uri: Uri.file(ws.file), languageId: 'plumb-pipeline', getText: () => readFileSync(ws.file, 'utf8') } as never);
    const own = (d.collection as unknown as DiagnosticCollectionStub).entries.get(Uri.file(ws.file).toString()) as Diagnostic[];
    assert.deepEqual(own.map((x) => String(x.code)), ['sub-pipeline-errors'], 'the sub file\'s own problem is not drawn on the parent');
    assert.match(own[0].message, /has 1 problem; first: shared\/prep\.pipeline\.yaml:9:11/);
    d.dispose();

    ws.write('shared/prep.pipeline.yaml', PREP);
    const events: EngineEvent[] = [];
    await runPipeline(await loadPipeline(ws.file), { store: false, onEvent: (e) => events.push(e) });
    const results = new RunResults();
    for (const e of events) results.apply(e);
    const lines = results.resultsFor(ws.file);
    assert.deepEqual(lines.map((r) => r.stage), ['encode', 'split', 'fit', 'evaluate']);
    assert.ok(lines.every((r) => r.kind === 'ok'));
    // The sub-pipeline's stages get their results on their own lines, in their own file.
    const sub = results.resultsFor(path.join(ws.dir, 'shared/prep.pipeline.yaml'));
    assert.deepEqual(sub.map((r) => [r.stage, r.line, r.kind]), [['prep/impute', 5, 'ok'], ['prep/scale', 8, 'ok']]);
    assert.match(sub[0].text, /^✓ .* rows$/);
  } finally {
    ws.cleanup();
  }
});

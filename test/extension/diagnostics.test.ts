// Diagnostics from the runtime validator, mapped to editor ranges, through the stand-in.
import './use-vscode-stub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PipelineDiagnostics, toZeroBased } from '../../src/editor/diagnostics';
import { DiagnosticSeverity, Uri, type DiagnosticCollectionStub, type Diagnostic } from './vscode-stub';
import { workspace } from '../engine/fixture';

const doc = (file: string, text: string) => ({ uri: Uri.file(file), languageId: 'plumb-pipeline', getText: () => text });

test('unsaved text is validated and every problem lands on its range', async () => {
  const ws = workspace();
  try {
    const text = 'pipeline: toy\ndata: { train: data/train.csv }\nfeature:\n  - stage: impute\n    uses: imputee\n  - stage: scale\n    uses: standard-scale\n    with: { bogus: 1 }\n';
    const d = new PipelineDiagnostics(() => true);
    await d.validate(doc(ws.file, text) as never);
    const found = (d.collection as unknown as DiagnosticCollectionStub).entries.get(Uri.file(ws.file).toString()) as Diagnostic[];
    assert.ok(found.length >= 2, JSON.stringify(found));
    const unknown = found.find((x) => String(x.code) === 'unknown-stage')!;
    assert.ok(unknown, JSON.stringify(found.map((x) => x.code)));
    assert.equal(unknown.range.start.line, 4);
    assert.equal(unknown.range.start.character, 10);
    assert.match(unknown.message, /impute/);
    assert.equal(unknown.severity, DiagnosticSeverity.Error);
    const bogus = found.find((x) => /bogus/.test(x.message))!;
    assert.equal(bogus.range.start.line, 7);
    d.dispose();
  } finally {
    ws.cleanup();
  }
});

test('a valid file clears its diagnostics; restricted mode does not load stage modules', async () => {
  const ws = workspace();
  try {
    const d = new PipelineDiagnostics(() => false);
    const entries = (d.collection as unknown as DiagnosticCollectionStub).entries;
    await d.validate(doc(ws.file, 'pipeline: toy\ndata: { train: data/train.csv }\nfeature:\n  - stage: scale\n    uses: standard-scale\n') as never);
    assert.deepEqual(entries.get(Uri.file(ws.file).toString()), []);
    // A module that would write a file if it ran: in restricted mode it must not run.
    const marker = `${ws.dir}/ran.txt`;
    ws.write('stages/side.js', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = (t) => t;\n`);
    await d.validate(doc(ws.file, 'pipeline: toy\nfeature:\n  - stage: s\n    uses: ./stages/side.js\n  - stage: t\n    uses: ./stages/missing.js\n') as never);
    // Everything else is still checked: the missing module is reported, the present one is not run.
    const found = entries.get(Uri.file(ws.file).toString()) as Diagnostic[];
    assert.deepEqual(found.map((x) => x.code), ['bad-user-stage']);
    assert.match(found[0].message, /missing\.js/);
    assert.equal(require('node:fs').existsSync(marker), false);
    d.dispose();
  } finally {
    ws.cleanup();
  }
});

test('ranges: 1-based runtime positions become 0-based; empty or missing ranges stay visible', () => {
  const base = { file: 'f', message: 'm', severity: 'error' as const, code: 'c' };
  assert.deepEqual(toZeroBased({ ...base, range: { start: { line: 3, col: 5 }, end: { line: 3, col: 9 } } }), { line: 2, character: 4, endLine: 2, endCharacter: 8 });
  assert.deepEqual(toZeroBased({ ...base, range: { start: { line: 2, col: 1 }, end: { line: 2, col: 1 } } }), { line: 1, character: 0, endLine: 1, endCharacter: 1 });
  assert.deepEqual(toZeroBased(base), { line: 0, character: 0, endLine: 0, endCharacter: 0 });
});

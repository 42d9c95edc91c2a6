// Hovers and completions never run a script just because it sits beside the pipeline
// file: modules are listed by name; only those a stage names are loaded, in the inspect
// host (the real dist/inspect-host.js), never in this process.
import './use-vscode-stub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { completionsAt } from '../../src/editor/completions';
import { hoverAt } from '../../src/editor/hover';
import { InspectClient } from '../../src/editor/inspect-client';
import { outlinePipeline } from '../../src/editor/outline';
import { CatalogCache } from '../../src/editor/providers';
import { workspace } from '../engine/fixture';

const HOST = path.resolve(__dirname, '../../dist/inspect-host.js');

const DOUBLE = (pidFile: string) => `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
export default {
  summary: 'doubles a column',
  params: { type: 'object', properties: { factor: { type: 'number', default: 2, description: 'how much' } }, additionalProperties: false },
  run: (t: unknown) => t,
};
`;

test('hover and completion in a folder with an unrelated script: it never runs; a used module is described out of process', async () => {
  const ws = workspace();
  const inspector = new InspectClient({ hostPath: HOST });
  try {
    const marker = path.join(ws.dir, 'marker.txt');
    ws.write('scripts/touch.js', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    const pidFile = path.join(ws.dir, 'double-ran-in.txt');
    ws.write('stages/double.ts', DOUBLE(pidFile));
    const text = 'pipeline: toy\nfeature:\n  - stage: d\n    uses: ./stages/double.ts\n    with:\n      factor: 3\n      \n  - stage: e\n    uses: \n';
    const catalogs = new CatalogCache(() => true, inspector);
    const catalog = await catalogs.forFile(ws.file, text);

    // uses: completion lists both files by name.
    const uses = completionsAt(text, 8, 10, catalog);
    const touch = uses.find((c) => c.label === './scripts/touch.js');
    assert.ok(touch, JSON.stringify(uses.map((c) => c.label)));
    assert.equal(touch.detail, 'module');
    assert.match(touch.documentation ?? '', /Not loaded yet/);
    assert.ok(uses.some((c) => c.label === './stages/double.ts' && c.detail === 'module · doubles a column'));

    // with: keys and hover of the used module come from the inspect host.
    assert.deepEqual(completionsAt(text, 6, 6, catalog).map((c) => c.label), []);
    const keys = completionsAt(text.replace('      factor: 3\n', ''), 5, 6, await catalogs.forFile(ws.file, text.replace('      factor: 3\n', '')));
    assert.deepEqual(keys.map((c) => c.label), ['factor']);
    const hover = hoverAt(outlinePipeline(text), 3, 14, catalog);
    assert.ok(hover);
    assert.match(hover.markdown, /doubles a column/);
    assert.match(hover.markdown, /\| `factor` \|/);
    assert.match(hoverAt(outlinePipeline(text), 5, 8, catalog)?.markdown ?? '', /how much/);

    assert.equal(fs.existsSync(marker), false, 'an unrelated script ran');
    assert.notEqual(Number(fs.readFileSync(pidFile, 'utf8')), process.pid, 'the used module ran in this process');
    // Restricted Mode: built-ins only, nothing loaded or listed.
    fs.rmSync(pidFile);
    const restricted = await new CatalogCache(() => false, inspector).forFile(ws.file, text);
    assert.equal([...restricted.byUses.values()].some((s) => !s.builtin), false);
    assert.equal(fs.existsSync(pidFile), false);
  } finally {
    inspector.dispose();
    ws.cleanup();
  }
});

test('a used module that exits while described shows why in its hover, and this process carries on', async () => {
  const ws = workspace();
  const inspector = new InspectClient({ hostPath: HOST });
  try {
    ws.write('stages/quit.js', 'process.exit(7);\n');
    const text = 'pipeline: toy\nfeature:\n  - stage: q\n    uses: ./stages/quit.js\n    with: { x: 1 }\n';
    const catalog = await new CatalogCache(() => true, inspector).forFile(ws.file, text);
    const hover = hoverAt(outlinePipeline(text), 3, 14, catalog);
    assert.match(hover?.markdown ?? '', /could not load: loading \.\/stages\/quit\.js ended the checker \(exit code 7\)/);
    // Its params are unknown, so a with: key gets no "not a parameter" claim.
    assert.equal(hoverAt(outlinePipeline(text), 4, 13, catalog), undefined);
  } finally {
    inspector.dispose();
    ws.cleanup();
  }
});

// User stage modules are loaded for the editor's checks in a child process (the real
// dist/inspect-host.js), never in the process running the extension: a module that exits
// or loops at top level is named on its `uses:` line, and this process carries on.
import './use-vscode-stub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PipelineDiagnostics } from '../../src/editor/diagnostics';
import { InspectClient } from '../../src/editor/inspect-client';
import { Uri, type DiagnosticCollectionStub, type Diagnostic } from './vscode-stub';
import { workspace } from '../engine/fixture';

const HOST = path.resolve(__dirname, '../../dist/inspect-host.js');
const doc = (file: string, text: string) => ({ uri: Uri.file(file), languageId: 'plumb-pipeline', getText: () => text });

/** A module that records which process ran it (so a test can tell it never ran here). */
const PID_STAGE = (pidFile: string) => `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nmodule.exports = (t) => t;\n`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function check(d: PipelineDiagnostics, file: string, text: string): Promise<Diagnostic[]> {
  await d.validate(doc(file, text) as never);
  return ((d.collection as unknown as DiagnosticCollectionStub).entries.get(Uri.file(file).toString()) ?? []) as Diagnostic[];
}

const pipelineUsing = (...modules: string[]) =>
  `pipeline: toy\ndata: { train: data/train.csv }\nfeature:\n${modules.map((m, i) => `  - stage: s${i}\n    uses: ${m}\n`).join('')}`;

test('a module that calls process.exit at top level gets a located diagnostic; the rest is still checked, out of this process', async () => {
  assert.ok(fs.existsSync(HOST), 'run `npm run build` first: the test uses dist/inspect-host.js');
  const ws = workspace();
  const inspector = new InspectClient({ hostPath: HOST, timeoutMs: 3000 });
  const d = new PipelineDiagnostics(() => true, inspector);
  try {
    ws.write('stages/quit.js', 'process.exit(42);\n');
    const pidFile = path.join(ws.dir, 'ran-in.txt');
    ws.write('stages/ok.js', PID_STAGE(pidFile));
    ws.write('stages/bad.js', 'module.exports = 42;\n');
    const found = await check(d, ws.file, pipelineUsing('./stages/ok.js', './stages/quit.js', './stages/bad.js'));
    const quit = found.find((x) => /quit\.js/.test(x.message));
    assert.ok(quit, JSON.stringify(found.map((x) => x.message)));
    assert.match(quit.message, /loading \.\/stages\/quit\.js ended the checker \(exit code 42\)/);
    assert.equal(quit.code, 'bad-user-stage');
    // Line 7 (0-based 6) is `    uses: ./stages/quit.js`: the range covers the value.
    assert.deepEqual([quit.range.start.line, quit.range.start.character, quit.range.end.character], [6, 10, 26]);
    // The other modules were still loaded and checked — in another process.
    const bad = found.find((x) => /bad\.js|s2/.test(x.message));
    assert.ok(bad, 'the module after the one that exited is still checked');
    assert.equal(bad.range.start.line, 8);
    assert.ok(fs.existsSync(pidFile));
    assert.notEqual(Number(fs.readFileSync(pidFile, 'utf8')), process.pid);
    assert.equal(found.length, 2, JSON.stringify(found.map((x) => x.message)));
  } finally {
    d.dispose();
    inspector.dispose();
    ws.cleanup();
  }
});

test('a module that loops forever at top level: timeout diagnostic on its uses line, the child is killed, then it is skipped until it changes', async () => {
  const ws = workspace();
  const inspector = new InspectClient({ hostPath: HOST, timeoutMs: 2000 });
  const d = new PipelineDiagnostics(() => true, inspector);
  try {
    ws.write('stages/ok.js', 'module.exports = (t) => t;\n');
    ws.write('stages/spin.ts', 'while (true) {}\nexport default (t: unknown) => t;\n');
    // Start the child with a harmless check first, to know which process must be killed.
    assert.deepEqual(await check(d, ws.file, pipelineUsing('./stages/ok.js')), []);
    const first = inspector.pid!;
    assert.ok(first && alive(first));

    const text = pipelineUsing('./stages/ok.js', './stages/spin.ts');
    const t0 = Date.now();
    const found = await check(d, ws.file, text);
    // The requirement is a bound: the load timeout (2 s) plus a restart, well under 15 s.
    assert.ok(Date.now() - t0 < 15000, `took ${Date.now() - t0} ms`);
    assert.equal(found.length, 1, JSON.stringify(found.map((x) => x.message)));
    assert.match(found[0].message, /\.\/stages\/spin\.ts did not finish loading within 2 s \(does it run code at top level\?\)/);
    assert.equal(found[0].range.start.line, 6);
    assert.equal(alive(first), false, 'the child that was stuck is gone');

    // Typing on: the module is not loaded again (no new timeout, no new child).
    const second = inspector.pid!;
    assert.ok(second && alive(second));
    assert.match((await check(d, ws.file, text))[0].message, /did not finish loading/);
    assert.equal(inspector.pid, second);

    // Fixed (a new mtime): loaded again, and clean.
    ws.write('stages/spin.ts', 'export default (t: unknown) => t;\n');
    fs.utimesSync(path.join(ws.dir, 'stages/spin.ts'), new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(await check(d, ws.file, text), []);
  } finally {
    const last = inspector.pid;
    d.dispose();
    inspector.dispose();
    ws.cleanup();
    if (last) {
      // dispose() kills the child; give the kernel a moment to reap it.
      for (let i = 0; i < 50 && alive(last); i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(alive(last), false, 'no child left behind after dispose');
    }
  }
});

test('normal module problems still appear with their ranges: a wrong export and an unknown with: key', async () => {
  const ws = workspace();
  const inspector = new InspectClient({ hostPath: HOST });
  const d = new PipelineDiagnostics(() => true, inspector);
  try {
    ws.write('stages/shape.js', 'module.exports = { nothing: 1 };\n');
    ws.write('stages/scaled.ts', `export default {\n  summary: 'scales',\n  params: { type: 'object', properties: { factor: { type: 'number' } }, additionalProperties: false },\n  run: (t: unknown) => t,\n};\n`);
    const text = 'pipeline: toy\ndata: { train: data/train.csv }\nfeature:\n  - stage: a\n    uses: ./stages/shape.js\n  - stage: b\n    uses: ./stages/scaled.ts\n    with: { factr: 2 }\n';
    const found = await check(d, ws.file, text);
    const shape = found.find((x) => /shape\.js|stage 'a'/.test(x.message))!;
    assert.ok(shape, JSON.stringify(found.map((x) => x.message)));
    assert.equal(shape.code, 'bad-user-stage');
    assert.match(shape.message, /an object with keys nothing/);
    assert.deepEqual([shape.range.start.line, shape.range.start.character], [4, 10]);
    const key = found.find((x) => /factr/.test(x.message))!;
    assert.ok(key, JSON.stringify(found.map((x) => x.message)));
    assert.equal(key.range.start.line, 7);
    assert.match(key.message, /factor/);
    assert.equal(found.length, 2);
  } finally {
    d.dispose();
    inspector.dispose();
    ws.cleanup();
  }
});

test('the host failing to start: the rest of the file is still checked and no module is loaded here', async () => {
  const ws = workspace();
  const inspector = new InspectClient({ hostPath: path.join(ws.dir, 'no-such-host.js') });
  const d = new PipelineDiagnostics(() => true, inspector);
  try {
    const marker = path.join(ws.dir, 'ran.txt');
    ws.write('stages/side.js', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = (t) => t;\n`);
    const found = await check(d, ws.file, `${pipelineUsing('./stages/side.js')}  - stage: t\n    uses: imputee\n`);
    assert.deepEqual(found.map((x) => String(x.code)).sort(), ['modules-unchecked', 'unknown-stage']);
    assert.match(found.find((x) => x.code === 'modules-unchecked')!.message, /could not start/);
    assert.equal(fs.existsSync(marker), false);
  } finally {
    d.dispose();
    inspector.dispose();
    ws.cleanup();
  }
});

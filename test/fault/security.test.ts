// R5 security, store and runtime part: names that could escape the store are rejected
// (by the Store API and by the CLI with exit 4) and create nothing outside it; a tampered
// object is detected on load, naming its hash; loading and predicting with a hostile
// model runs no code and pollutes nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store, StoreError } from '../../runtime';
import { workspace } from '../engine/fixture';
import { CLI, Failures, recordCheck, tempDir } from './helpers';

const HOSTILE_NAMES = [
  '..', '.', '../evil', '../../etc/passwd', 'a/b', '/abs', 'a\\b', '..\\evil', 'nul\u0000byte', 'bell\u0007', 'new\nline', 'tab\there',
  'esc\u001b[31m', 'del\u007f', 'x'.repeat(129), 'y'.repeat(100_000), '', ' ', '.hidden', '-dash', 'CON', 'aux.json', 'a b', 'ünï', '\u202eevil',
];

function plumb(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every path under `dir`, relative, sorted (to compare before and after). */
function tree(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    out.push(e.name);
    if (e.isDirectory()) out.push(...tree(path.join(dir, e.name)).map((f) => path.join(e.name, f)));
  }
  return out.sort();
}

const sample = (runId = 'run-1') => ({
  artifacts: { state: {}, config: {}, model: null, metrics: {} },
  lineage: { pipelineFileHash: 'a'.repeat(64), dataHash: 'b'.repeat(64), params: {}, runId },
});

test('R5: hostile pipeline, alias, run and version names are rejected by the Store API, nothing escapes', async (t) => {
  const sandbox = tempDir(t, 'plumb-escape-');
  const root = path.join(sandbox, 'store');
  const store = new Store(root);
  await store.saveVersion('good', sample());
  const before = tree(sandbox);
  const failures = new Failures();
  let cases = 0;
  const expectBadName = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    cases++;
    try {
      await fn();
      failures.add(`${what}: accepted`);
    } catch (e) {
      if (!(e instanceof StoreError) || e.code !== 'bad-name') failures.add(`${what}: ${(e as Error).name} ${(e as Error).message}`);
      else if (!/invalid .*name|invalid version/.test(e.message)) failures.add(`${what}: unclear message ${e.message}`);
    }
  };
  for (const name of HOSTILE_NAMES) {
    const shown = JSON.stringify(name.slice(0, 20));
    await expectBadName(`saveVersion(pipeline ${shown})`, () => store.saveVersion(name, sample()));
    await expectBadName(`listVersions(${shown})`, () => store.listVersions(name));
    await expectBadName(`tag(alias ${shown})`, () => store.tag('good', name, 1));
    await expectBadName(`untag(alias ${shown})`, () => store.untag('good', name));
    await expectBadName(`loadVersion(ref ${shown})`, () => store.loadVersion('good', name));
    await expectBadName(`saveVersion(runId ${shown})`, () => store.saveVersion('good', sample(name)));
    await expectBadName(`saveRun(runId ${shown})`, () => store.saveRun('good', { runId: name }));
    await expectBadName(`getRun(${shown})`, () => store.getRun('good', name));
  }
  const after = tree(sandbox).filter((f) => !/\.tmp-/.test(f));
  const created = after.filter((f) => !before.includes(f));
  if (created.some((f) => !f.startsWith('store'))) failures.add(`created outside the store: ${created.join(', ')}`);
  await recordCheck('R5-names', { title: 'Hostile names (Store API)', trials: HOSTILE_NAMES.length, cases, failures: failures.count, examples: failures.examples });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

test('R5: the CLI rejects hostile alias and version names with exit 4 and creates nothing outside the store', async (t) => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built');
  // The workspace lives alone in a sandbox folder, so anything created beside it shows.
  const sandbox = tempDir(t, 'plumb-escape-cli-');
  const made = workspace(undefined, 120);
  const ws = { dir: path.join(sandbox, 'ws'), file: path.join(sandbox, 'ws', 'toy.pipeline.yaml') };
  fs.renameSync(made.dir, ws.dir);
  const f = 'toy.pipeline.yaml';
  const failures = new Failures();
  let cases = 0;
  // Recorded whatever happens, with the counts so far: a run that fails must not leave an
  // older "passed" entry in results.json.
  try {
    assert.equal(plumb(['run', f], ws.dir).code, 0);
    // argv cannot carry NUL, and '' or '-dash' never reach the store: they are usage errors
    // (exit 2) in the argument parser. The Store API test covers all three.
    const names = ['..', '../evil', '../../etc/passwd', 'a/b', '/abs', 'a\\b', 'bell\u0007', 'new\nline', 'esc\u001b[31m', 'x'.repeat(129), 'y'.repeat(10_000), 'CON', '\u202eevil'];
    for (const name of names) {
      for (const args of [['versions', f, 'tag', name, '1'], ['versions', f, 'untag', name], ['versions', f, 'show', name], ['versions', f, 'rm', name], ['run', f, '--mode', 'inference', '--version', name]]) {
        cases++;
        const r = plumb(args, ws.dir);
        if (r.code !== 4) failures.add(`${args.join(' ').slice(0, 80)}: exit ${r.code}: ${r.stderr.slice(0, 200)}`);
        else if (!/invalid (alias|version|pipeline) (name )?/.test(r.stderr)) failures.add(`${args.join(' ').slice(0, 80)}: unclear message ${r.stderr.slice(0, 200)}`);
      }
    }
    // A pipeline file whose name would escape is an invalid file (exit 3), caught before the store.
    fs.writeFileSync(path.join(ws.dir, 'evil.pipeline.yaml'), fs.readFileSync(ws.file, 'utf8').replace('pipeline: toy', 'pipeline: ../../evil'));
    cases++;
    const evil = plumb(['run', 'evil.pipeline.yaml'], ws.dir);
    if (evil.code !== 3 || !/pipeline/.test(evil.stderr)) failures.add(`pipeline: ../../evil gave exit ${evil.code}: ${evil.stderr.slice(0, 200)}`);
    if (fs.readdirSync(sandbox).join() !== 'ws') failures.add(`created next to the workspace: ${fs.readdirSync(sandbox).join(', ')}`);
    assert.deepEqual(fs.readdirSync(ws.dir).sort(), ['.plumb', 'data', 'evil.pipeline.yaml', 'toy.pipeline.yaml']);
  } catch (e) {
    failures.add(`stopped: ${(e as Error).message}`);
    throw e;
  } finally {
    await recordCheck('R5-names-cli', { title: 'Hostile names (CLI)', trials: 1, cases, failures: failures.count, examples: failures.examples });
  }
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

test('R5: a tampered object is detected on load and named by its hash (API and CLI exit 4)', async (t) => {
  const ws = workspace(undefined, 120);
  t.after(() => ws.cleanup());
  const f = 'toy.pipeline.yaml';
  assert.equal(plumb(['run', f], ws.dir).code, 0);
  const store = new Store(path.join(ws.dir, '.plumb'));
  const m = await store.getVersion('toy', 1);
  const id = m.objects.model!;
  const file = path.join(ws.dir, '.plumb', 'objects', id.slice(0, 2), id.slice(2));
  const bytes = fs.readFileSync(file);
  bytes[Math.floor(bytes.length / 2)] ^= 0x01; // one flipped bit
  fs.chmodSync(file, 0o644);
  fs.writeFileSync(file, bytes);

  // Three detections, each counted; recorded whatever happens, with the real counts.
  const failures = new Failures();
  let cases = 0;
  try {
    cases++;
    const loaded = await store.loadVersion('toy', 1).then(() => undefined, (e: unknown) => e);
    if (!(loaded instanceof StoreError && loaded.code === 'corrupt' && loaded.message.includes(id))) {
      failures.add(`loadVersion: ${loaded === undefined ? 'loaded the damaged object' : String((loaded as Error).message ?? loaded)}`);
    }
    cases++;
    const problems = await store.verify();
    if (problems.length !== 1 || problems[0].objectId !== id) failures.add(`verify: ${JSON.stringify(problems).slice(0, 300)}`);
    cases++;
    const r = plumb(['run', f, '--mode', 'inference', '--version', '1'], ws.dir);
    if (r.code !== 4 || !r.stderr.includes(`object ${id} is damaged`)) failures.add(`CLI: exit ${r.code}: ${r.stderr.slice(0, 300)}`);
  } catch (e) {
    failures.add(`stopped: ${(e as Error).message}`);
    throw e;
  } finally {
    await recordCheck('R5-tamper', { title: 'Tampered object detection', trials: 1, cases, failures: failures.count, examples: failures.examples });
  }
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

test('R5: loading and predicting with a hostile model runs no code and pollutes nothing', async (t) => {
  const ws = workspace(undefined, 120);
  t.after(() => ws.cleanup());
  const f = 'toy.pipeline.yaml';
  assert.equal(plumb(['run', f], ws.dir).code, 0);
  const store = new Store(path.join(ws.dir, '.plumb'));
  const good = await store.loadVersion('toy', 1);
  const marker = path.join(ws.dir, 'PWNED');
  const code = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`;
  const goodModel = JSON.stringify(good.model);
  // Hostile variants: prototype keys at several depths, a toString key, JS source in
  // strings, kinds that name Object's own properties.
  const hostile: string[] = [
    goodModel.replace(/^\{/, `{"__proto__":{"polluted":"model","toString":${JSON.stringify(code)}},`),
    goodModel.replace(/^\{/, `{"constructor":{"prototype":{"polluted":"ctor"}},"toString":${JSON.stringify(code)},"valueOf":${JSON.stringify(code)},`),
    goodModel.replace(/"kind":"[^"]*"/, '"kind":"constructor"'),
    goodModel.replace(/"kind":"[^"]*"/, '"kind":"__proto__"'),
    goodModel.replace(/"kind":"[^"]*"/, '"kind":"toString"'),
    goodModel.replace(/"kind":"[^"]*"/, `"kind":${JSON.stringify(code)}`),
    goodModel.replace(/"features":\[/, `"features":[${JSON.stringify('__proto__')},`),
    goodModel.replace(/"classes":\[/, `"classes":["__proto__","constructor",${JSON.stringify(code)},`),
    JSON.stringify({ kind: 'decision-tree', task: 'classification', target: 'label', features: ['x'], classes: ['a'], data: { name: 'DTClassifier', root: { __proto__: { polluted: 1 }, splitValue: code, kind: code } } }),
    JSON.stringify({ kind: 'decision-tree', task: 'classification', target: 'label', features: ['x'], classes: ['a'], data: code }),
  ];
  const failures = new Failures();
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).join(',');
  for (const [i, text] of hostile.entries()) {
    const saved = await store.saveVersion('toy', {
      artifacts: { state: good.state, config: good.config, model: JSON.parse(text), metrics: {} },
      lineage: { pipelineFileHash: 'a'.repeat(64), dataHash: 'b'.repeat(64), params: {}, runId: `hostile-${i}` },
    });
    // In this process: loading gives plain data.
    const loaded = await store.loadVersion('toy', saved.version);
    if (typeof (loaded.model as Record<string, unknown>)?.toString === 'string' && String(({} as object).toString) !== String(Object.prototype.toString)) {
      failures.add(`model ${i}: Object.prototype.toString replaced`);
    }
    // Through the CLI: inference with the hostile version either predicts or fails cleanly.
    const r = plumb(['run', f, '--mode', 'inference', '--version', String(saved.version)], ws.dir);
    if (r.code !== 0 && r.code !== 1) failures.add(`model ${i}: exit ${r.code}: ${r.stderr.slice(-300)}`);
    if (/internal error|TypeError|RangeError/.test(r.stderr)) failures.add(`model ${i}: crashed: ${r.stderr.slice(-300)}`);
    if (r.code === 1 && !/stage 'predict'|predict/.test(r.stderr)) failures.add(`model ${i}: failure does not name the stage: ${r.stderr.slice(-300)}`);
    if (fs.existsSync(marker)) failures.add(`model ${i}: code in the model ran`);
  }
  if (Object.getOwnPropertyNames(Object.prototype).join(',') !== protoBefore || ({} as { polluted?: unknown }).polluted !== undefined) {
    failures.add('Object.prototype changed');
  }
  await recordCheck('R5-hostile-models', { title: 'Hostile model JSON', trials: hostile.length, cases: hostile.length * 2, failures: failures.count, examples: failures.examples });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});


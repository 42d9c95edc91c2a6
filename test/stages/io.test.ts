import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import { DataError } from '../../runtime/errors';
import { stages } from '../../runtime/stages/io';
import type { StageContext, TransformStage } from '../../runtime/stages/types';
import { Table, categoryColumn, numberColumn } from '../../runtime/table/table';

function stage(type: string): TransformStage {
  const s = stages.find((x) => x.type === type);
  assert.ok(s && s.kind === 'transform', type);
  return s as TransformStage;
}

/** Just enough of a StageContext for io stages. */
function ctx(baseDir: string, params: Record<string, unknown>, uses = 'read-csv'): StageContext {
  const tables = new Map<string, Table>();
  return {
    stage: 'io-step',
    uses,
    mode: 'train',
    params,
    pipelineParams: {},
    attempt: 1,
    signal: new AbortController().signal,
    baseDir,
    seed: 0,
    target: undefined,
    model: undefined,
    log() {},
    warn() {},
    metric() {},
    async step() {},
    report() {},
    progress() {},
    getTable: (n) => tables.get(n),
    setTable: (n, t) => void tables.set(n, t),
  };
}

const empty = new Table([]);

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-io-stage-'));
    try {
      await fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('every io stage has a one-line summary and a closed param schema that Ajv accepts', () => {
  const ajv = new Ajv();
  assert.deepEqual(stages.map((s) => s.type), ['read-csv', 'read-json', 'write-csv']);
  for (const s of stages) {
    assert.ok(s.summary.length > 0 && !s.summary.includes('\n'));
    assert.equal(s.params.additionalProperties, false);
    assert.deepEqual(s.params.required, ['path']);
    const validate = ajv.compile(s.params);
    assert.equal(validate({ path: 'x' }), true);
    assert.equal(validate({ path: 'x', bogus: 1 }), false);
    assert.equal(validate({ path: '' }), false);
    assert.equal(validate({}), false);
  }
});

test('read-csv resolves the path against baseDir and ignores its input', withDir(async (dir) => {
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'in.csv'), 'a;b\n1;x\n?;y\n');
  const input = new Table([numberColumn('old', [1])]);
  const out = await stage('read-csv').run(input, ctx(dir, { path: 'data/in.csv', delimiter: ';', missing: ['?'] }));
  assert.deepEqual(out.toRows().map((r) => ({ ...r })), [
    { a: 1, b: 'x' },
    { a: null, b: 'y' },
  ]);
  await assert.rejects(
    Promise.resolve(stage('read-csv').run(empty, ctx(dir, { path: 'nope.csv' }))),
    (e: unknown) => e instanceof DataError && e.message === `${path.join(dir, 'nope.csv')}: no such file`,
  );
}));

test('read-json reads records relative to baseDir', withDir(async (dir) => {
  fs.writeFileSync(path.join(dir, 'in.json'), '[{"n":1,"s":"a"},{"n":null,"s":"b"}]');
  const out = await stage('read-json').run(empty, ctx(dir, { path: 'in.json' }, 'read-json'));
  assert.deepEqual(out.toRows().map((r) => ({ ...r })), [
    { n: 1, s: 'a' },
    { n: null, s: 'b' },
  ]);
}));

test('write-csv writes (some) columns atomically into new folders and passes the table on', withDir(async (dir) => {
  const t = new Table([numberColumn('x', [1, 2]), categoryColumn('s', ['a', null]), numberColumn('y', [3, 4])]);
  const out = await stage('write-csv').run(t, ctx(dir, { path: 'out/deep/t.csv', columns: ['y', 's'] }, 'write-csv'));
  assert.equal(out, t);
  assert.equal(fs.readFileSync(path.join(dir, 'out/deep/t.csv'), 'utf8'), 'y,s\n3,a\n4,\n');
  assert.deepEqual(fs.readdirSync(path.join(dir, 'out/deep')), ['t.csv']);
  const abs = path.join(dir, 'abs.csv');
  await stage('write-csv').run(t, ctx('/somewhere/else', { path: abs }, 'write-csv'));
  assert.equal(fs.readFileSync(abs, 'utf8'), 'x,s,y\n1,a,3\n2,,4\n');
  await assert.rejects(
    Promise.resolve(stage('write-csv').run(t, ctx(dir, { path: 'x.csv', columns: ['nope'] }, 'write-csv'))),
    /stage 'io-step' \(write-csv\): no column 'nope' \(columns: x, s, y\)/,
  );
  await assert.rejects(Promise.resolve(stage('write-csv').run(t, ctx(dir, { path: '  ' }, 'write-csv'))), /non-empty file path/);
  assert.equal(fs.existsSync(path.join(dir, 'x.csv')), false);
}));

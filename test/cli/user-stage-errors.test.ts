// A user stage that throws: `plumb run`, its --json and `plumb trace` show where in the
// stage's own TypeScript (source-mapped: the lines below are not esbuild's output lines)
// and the stage's own stack frames, not only the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { workspace } from '../engine/fixture';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function plumb(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Types and an interface esbuild strips: without the source map, line numbers would shift.
const STAGE = `import type { Table } from 'plumb';
import { limitOf } from './limits';

interface Options {
  limit: number;
}

function check(t: Table, o: Options): void {
  if (t.rowCount > o.limit) {
    throw new RangeError(\`too many rows: \${t.rowCount}\`);
  }
}

export default function (input: Table): Table {
  check(input, { limit: limitOf('toy') });
  return input;
}
`;
const LIMITS = `export type Name = string;\nexport function limitOf(_name: Name): number {\n  return 3;\n}\n`;

test('a user stage that throws: run, --json and trace name its file:line:col and its own frames (source-mapped .ts)', () => {
  const ws = workspace(`pipeline: boom\ndata: { train: data/train.csv }\nfeature:\n  - stage: clean\n    uses: impute\n  - stage: boom\n    uses: ./stages/boom.ts\n`);
  try {
    ws.write('stages/boom.ts', STAGE);
    ws.write('stages/limits.ts', LIMITS);
    const f = 'toy.pipeline.yaml';
    const stageFile = path.join(ws.dir, 'stages', 'boom.ts');
    const at = `${stageFile}:10:11`;

    const run = plumb(['run', f], ws.dir);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(`plumb: ${at}: stage 'boom' (./stages/boom.ts, line 6) failed: too many rows: 400\n`), run.stderr);
    assert.ok(run.stderr.includes(`    at check (${at})\n`), run.stderr);
    assert.match(run.stderr, new RegExp(`    at .*\\(${stageFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:15:3\\)\\n`));
    assert.doesNotMatch(run.stderr, /dist[\\/]cli\.js/, 'Plumb’s own frames are left out');

    const json = JSON.parse(plumb(['run', f, '--json'], ws.dir).stdout);
    assert.equal(json.error.location, at);
    assert.equal(json.error.stack[0], `at check (${at})`);
    assert.equal(json.error.stack.length, 2, JSON.stringify(json.error.stack));

    const trace = plumb(['trace', f], ws.dir);
    assert.equal(trace.code, 0, trace.stderr);
    assert.ok(trace.stdout.includes(`attempt 1 ✗ RangeError: too many rows: 400`), trace.stdout);
    assert.ok(trace.stdout.includes(`at ${at}\n`), trace.stdout);
    assert.ok(trace.stdout.includes(`at check (${at})`), trace.stdout);
  } finally {
    ws.cleanup();
  }
});

test('a built-in stage that fails shows its message only (no Plumb-internal frames)', () => {
  const ws = workspace(`pipeline: builtin\ndata: { train: data/train.csv }\nfeature:\n  - stage: pick\n    uses: select\n    with: { columns: [nosuch] }\n`);
  try {
    const run = plumb(['run', 'toy.pipeline.yaml'], ws.dir);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /plumb: stage 'pick' \(select, line 4\) failed: .*nosuch/);
    assert.doesNotMatch(run.stderr, /\n {4}at /);
    const json = JSON.parse(plumb(['run', 'toy.pipeline.yaml', '--json'], ws.dir).stdout);
    assert.equal(json.error.location, undefined);
  } finally {
    ws.cleanup();
  }
});

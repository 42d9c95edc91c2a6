// Pinned code through the CLI as a process (dist/cli.js): inference replays the version's
// spec and stage code, --working-copy runs the edited files and prints the drift, versions
// show/diff list and compare the pinned modules, and one history belongs to one file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BOOST, PIPELINE, setup } from '../engine/pinned-fixture';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function plumb(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('plumb run --mode inference replays the pinned code; --working-copy prints what differs; versions show and diff', () => {
  const ws = setup();
  const f = 'toy.pipeline.yaml';
  const read = (name: string): string => fs.readFileSync(path.join(ws.dir, name), 'utf8');
  try {
    assert.equal(plumb(['run', f], ws.dir).code, 0);
    const served = plumb(['run', f, '--mode', 'inference', '-o', 'out/before.csv'], ws.dir);
    assert.equal(served.code, 0, served.stderr);
    assert.doesNotMatch(served.stderr, /changed since/);

    const shown = JSON.parse(plumb(['versions', f, 'show', '1', '--json'], ws.dir).stdout);
    const boost = shown.code.modules.find((m: { path: string }) => m.path === 'stages/boost.ts');
    const boostHash: string = boost.sources.find((s: { path: string }) => s.path === 'stages/boost.ts').sha256;

    // Edit the stage module itself: its result is multiplied by 1000.
    ws.write('stages/boost.ts', BOOST(1000));
    const pinned = plumb(['run', f, '--mode', 'inference', '-o', 'out/pinned.csv'], ws.dir);
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal(read('out/pinned.csv'), read('out/before.csv'), 'predictions unchanged by default');
    assert.match(pinned.stderr, /stages\/boost\.ts changed since version 1 was trained: running version 1's own pinned spec and code \(run with --working-copy/);

    const working = plumb(['run', f, '--mode', 'inference', '--working-copy', '-o', 'out/working.csv'], ws.dir);
    assert.equal(working.code, 0, working.stderr);
    assert.notEqual(read('out/working.csv'), read('out/before.csv'), 'the working copy runs the edit');
    assert.match(working.stderr, /running the working copy, not version 1's pinned spec and code; what differs from version 1:/);
    assert.match(working.stderr, new RegExp(`stage 'boost' \\(stages/boost\\.ts\\): stages/boost\\.ts changed \\(sha256 ${boostHash.slice(0, 12)} → [0-9a-f]{12}\\)`));

    const asJson = JSON.parse(plumb(['run', f, '--mode', 'inference', '--working-copy', '--json'], ws.dir).stdout);
    assert.deepEqual(
      asJson.drift.map((c: { kind: string; stage: string; file: string; from: string }) => [c.kind, c.stage, c.file, c.from]),
      [['code', 'boost', 'stages/boost.ts', boostHash]],
    );

    // --set would change params the version does not use: refused unless running the working copy.
    const set = plumb(['run', f, '--mode', 'inference', '--set', 'seed=4'], ws.dir);
    assert.equal(set.code, 2);
    assert.match(set.stderr, /--set changes params of the working copy, but inference replays the version's own params; add --working-copy/);

    // Version 2 with the edited module and a changed with:, then show and diff.
    ws.write(f, PIPELINE(2));
    assert.equal(plumb(['run', f], ws.dir).code, 0);
    const show = plumb(['versions', f, 'show', '2'], ws.dir);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /pinned files\n  toy\.pipeline\.yaml +\d+ B +[0-9a-f]{12}\n/);
    assert.match(show.stdout, /pinned modules\n  stages\/boost\.ts +[\d.]+ kB +[0-9a-f]{12} +\(compiled from 2 files\)\n +stages\/boost\.ts +\d+ B +[0-9a-f]{12}\n +stages\/factor\.ts +\d+ B +[0-9a-f]{12}\n  stages\/shift\.ts /);
    const diff = plumb(['versions', f, 'diff', '1', '2'], ws.dir);
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /code\n  stage 'shift': with: \{"by":0\} → \{"by":2\}\n  stage 'boost' \(stages\/boost\.ts\): stages\/boost\.ts changed \(sha256 [0-9a-f]{12} → [0-9a-f]{12}\)\n/);
    const same = plumb(['versions', f, 'diff', '2', '2'], ws.dir);
    assert.match(same.stdout, /code\n  \(no changes\)\n/);

    // --stop-after names the version's stages, not the edited file's.
    ws.write(f, PIPELINE(2).replace('stage: shift', 'stage: renamed'));
    const renamed = plumb(['run', f, '--mode', 'inference', '--stop-after', 'renamed'], ws.dir);
    assert.equal(renamed.code, 2, renamed.stderr);
    assert.match(renamed.stderr, /--stop-after: no stage 'renamed' runs in inference mode .*\(stages: boost, shift, impute, encode, predict\)/);
    const stop = plumb(['run', f, '--mode', 'inference', '--stop-after', 'shift', '--json'], ws.dir);
    assert.equal(stop.code, 0, stop.stderr);
    assert.deepEqual(JSON.parse(stop.stdout).record.stages.filter((x: { attempts: unknown[] }) => x.attempts.length > 0).map((x: { stage: string }) => x.stage), ['boost', 'shift']);
  } finally {
    ws.cleanup();
  }
});

test('a second file with the same pipeline: name is refused with what to do; adopt takes the history over', () => {
  const ws = setup();
  try {
    assert.equal(plumb(['run', 'toy.pipeline.yaml'], ws.dir).code, 0);
    fs.copyFileSync(ws.file, path.join(ws.dir, 'copy.pipeline.yaml'));
    const clash = plumb(['run', 'copy.pipeline.yaml'], ws.dir);
    assert.equal(clash.code, 4, clash.stderr);
    assert.match(clash.stderr, /pipeline toy in the store .*\.plumb belongs to .*toy\.pipeline\.yaml, not to .*copy\.pipeline\.yaml: two files with the same pipeline: name would mix their versions/);
    assert.match(clash.stderr, /give it another pipeline: name or its own store:; if it is the same pipeline moved or renamed, take over its history with 'plumb versions copy\.pipeline\.yaml adopt'/);
    const list = plumb(['versions', 'copy.pipeline.yaml'], ws.dir);
    assert.match(list.stderr, /note: pipeline toy's versions in this store belong to .*toy\.pipeline\.yaml/);
    assert.equal(plumb(['versions', 'copy.pipeline.yaml', 'tag', 'x', '1'], ws.dir).code, 4, 'changing another file’s history is refused');

    // Renamed: the old file is gone and the new one adopts the history.
    fs.rmSync(ws.file);
    const adopt = plumb(['versions', 'copy.pipeline.yaml', 'adopt'], ws.dir);
    assert.equal(adopt.code, 0, adopt.stderr);
    assert.match(adopt.stdout, /pipeline toy's versions now belong to .*copy\.pipeline\.yaml \(they belonged to .*toy\.pipeline\.yaml\)/);
    const served = plumb(['run', 'copy.pipeline.yaml', '--mode', 'inference'], ws.dir);
    assert.equal(served.code, 0, served.stderr);
  } finally {
    ws.cleanup();
  }
});

test('a damaged pinned bundle: inference exits 4 naming the module and the object', () => {
  const ws = setup();
  try {
    assert.equal(plumb(['run', 'toy.pipeline.yaml'], ws.dir).code, 0);
    const shown = JSON.parse(plumb(['versions', 'toy.pipeline.yaml', 'show', '1', '--json'], ws.dir).stdout);
    const bundle: string = shown.code.modules.find((m: { path: string }) => m.path === 'stages/boost.ts').bundle;
    const object = path.join(ws.dir, '.plumb', 'objects', bundle.slice(0, 2), bundle.slice(2));
    fs.chmodSync(object, 0o644);
    fs.appendFileSync(object, '\nmodule.exports = () => { throw new Error("tampered") };\n');
    const r = plumb(['run', 'toy.pipeline.yaml', '--mode', 'inference'], ws.dir);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, new RegExp(`version 1: the pinned code of the stage module stages/boost\\.ts \\(object ${bundle.slice(0, 12)}\\) is damaged: .*${bundle}`));
    assert.doesNotMatch(r.stderr, /tampered/);
  } finally {
    ws.cleanup();
  }
});

// `npm run example` (the README's first command): examples/run-example.mjs drives the
// built CLI through the penguins example. Run in a copy, so the repository's store and
// out/ folder are untouched, and check what it leaves behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../..');

test('npm run example: two versions, champion alias, inference with a retried export, valid predictions', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-example-'));
  try {
    // The script finds dist/ and the example from its own place; `data.train` is
    // ../../node_modules/vega-datasets/… from the pipeline file, so node_modules sits at the root.
    fs.cpSync(path.join(REPO, 'examples'), path.join(root, 'examples'), {
      recursive: true,
      filter: (src) => !/[\\/](\.plumb|out)$/.test(src),
    });
    fs.symlinkSync(path.join(REPO, 'dist'), path.join(root, 'dist'), 'dir');
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');

    const r = spawnSync(process.execPath, [path.join(root, 'examples', 'run-example.mjs')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);

    const file = path.join(root, 'examples', 'penguins', 'penguins.pipeline.yaml');
    const plumb = (...args: string[]): unknown =>
      JSON.parse(execFileSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), ...args, '--json'], { cwd: root, encoding: 'utf8' }));

    const versions = plumb('versions', file) as Array<{ version: number; aliases?: string[] }>;
    assert.deepEqual(versions.map((v) => v.version), [1, 2]);
    const champion = plumb('versions', file, 'show', 'champion') as { manifest: { version: number } };
    assert.ok([1, 2].includes(champion.manifest.version));
    assert.deepEqual(versions.find((v) => v.version === champion.manifest.version)!.aliases, ['champion']);

    // The last run is the inference run: its export failed once (simulated outage) and was retried.
    const record = plumb('metrics', file) as {
      mode: string;
      status: string;
      stages: Array<{ stage: string; attempts: Array<{ ok: boolean; error?: { name: string } }> }>;
    };
    assert.equal(record.mode, 'inference');
    assert.equal(record.status, 'ok');
    const exportStage = record.stages.find((s) => s.stage === 'export')!;
    assert.equal(exportStage.attempts.length, 2);
    assert.equal(exportStage.attempts[0].ok, false);
    assert.equal(exportStage.attempts[0].error?.name, 'TransientError');
    assert.equal(exportStage.attempts[1].ok, true);

    const inputRows = fs.readFileSync(path.join(root, 'examples/penguins/data/unlabelled-penguins.csv'), 'utf8').trim().split('\n').length - 1;
    for (const out of ['predictions.csv', 'scored.csv']) {
      const lines = fs.readFileSync(path.join(root, 'examples/penguins/out', out), 'utf8').trim().split('\n');
      assert.equal(lines.length - 1, inputRows, `${out}: one row per input penguin`);
      const header = lines[0].split(',');
      const at = header.indexOf('prediction');
      assert.ok(at >= 0, `${out}: ${lines[0]}`);
      for (const line of lines.slice(1)) {
        assert.match(line.split(',')[at], /^(Adelie|Chinstrap|Gentoo)$/, `${out}: ${line}`);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

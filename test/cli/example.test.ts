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
    // The example cross-validates (split.folds: 5) on the training rows and scores the final
    // model on its held-out 25%: per-fold and mean ± std metrics, and the held-out accuracy.
    const shown = plumb('versions', file, 'show', '1') as { metrics: Record<string, number> };
    const folds = [1, 2, 3, 4, 5].map((k) => shown.metrics[`cv.fold${k}.accuracy`]);
    for (const a of folds) assert.ok(a > 0.9 && a <= 1, `fold accuracy ${a}`);
    const mean = folds.reduce((x, y) => x + y, 0) / 5;
    assert.ok(Math.abs(shown.metrics['cv.accuracy.mean'] - mean) < 1e-12);
    assert.ok(Math.abs(shown.metrics['cv.accuracy.std'] - Math.sqrt(folds.reduce((x, y) => x + (y - mean) ** 2, 0) / 5)) < 1e-12);
    assert.ok(shown.metrics.accuracy > 0.9, `held-out accuracy ${shown.metrics.accuracy}`);

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
      // Each penguin's own columns first, in input order, then the predictions.
      assert.deepEqual(header.slice(0, 6), ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex']);
      for (const line of lines.slice(1)) {
        assert.match(line.split(',')[at], /^(Adelie|Chinstrap|Gentoo)$/, `${out}: ${line}`);
      }
    }

    // The run's summary: held-out metrics, then cross-validation as mean ± std.
    const again = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'run', file], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /\nmetrics: accuracy [\d.]+ · precision/);
    assert.match(again.stderr, /\ncross-validation: accuracy [\d.]+ ± [\d.]+ · precision/);
    assert.match(again.stderr, /\ntraining · fold 3\/5\n/);
    assert.match(again.stderr, /\nfeature · held-out replay\n/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

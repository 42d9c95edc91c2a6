// Huge values (1e300 fits a double; its square and a sum of a few do not) through the fitted
// stages, run by the engine as a pipeline would: the fitted state is finite and right, and a
// value no statistic can use (Infinity) is an error naming the stage, the column and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPipeline, runPipeline } from '../../runtime';

function pipelineDir(t: { after(fn: () => void): void }, feature: string, csv: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-overflow-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'data.csv'), csv);
  fs.writeFileSync(path.join(dir, 'infinite.ts'), "export default (t: any) => t.withColumn({ ...t.column('x'), values: Float64Array.from(t.numberColumn('x').values, (v: number, i: number) => (i === 2 ? Infinity : v)), missing: null });\n");
  fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), `pipeline: big\ndata: { train: data.csv }\nfeature:\n${feature}`);
  return path.join(dir, 'p.pipeline.yaml');
}

const BIG = 'x,y\n1e300,1\n2e300,2\n3e300,3\n,4\n1.5e308,5\n-1.5e308,6\n';

test('standard-scale, min-max-scale and impute mean fit values near the top of the double range to finite, correct state', async (t) => {
  const file = pipelineDir(
    t,
    `  - { stage: fill, uses: impute, with: { strategy: mean } }\n  - { stage: std, uses: standard-scale }\n  - { stage: range, uses: min-max-scale }\n`,
    BIG,
  );
  const r = await runPipeline(await loadPipeline(file), { store: false });
  assert.equal(r.status, 'ok', r.error?.message);
  const xs = [1e300, 2e300, 3e300, 1.5e308, -1.5e308];
  const mean = xs.reduce((s, x) => s + x / 5, 0);
  const fill = (r.states.fill as { fills: Record<string, number> }).fills.x;
  assert.ok(Math.abs(fill - mean) <= 1e-12 * 1.5e308, `impute mean ${fill} vs ${mean}`);
  const std = (r.states.std as { columns: Record<string, { mean: number; scale: number }> }).columns.x;
  // After imputing, the column has 6 values: xs and the mean. Reference in units of 1e300.
  const u = [...xs, fill].map((x) => x / 1e300);
  const m = u.reduce((s, x) => s + x, 0) / u.length;
  const sd = Math.sqrt(u.reduce((s, x) => s + (x - m) ** 2, 0) / u.length) * 1e300;
  assert.ok(Number.isFinite(std.mean) && Number.isFinite(std.scale), JSON.stringify(std));
  assert.ok(Math.abs(std.scale - sd) / sd < 1e-12, `std ${std.scale} vs ${sd}`);
  assert.ok(std.scale > 1, 'not mistaken for a constant column');
  const range = (r.states.range as { columns: Record<string, { scale: number; offset: number }> }).columns.x;
  assert.ok(Number.isFinite(range.scale) && range.scale > 0 && Number.isFinite(range.offset), JSON.stringify(range));
  const out = r.output.numberColumn('x').values;
  assert.ok(Math.min(...out) >= 0 && Math.max(...out) <= 1 + 1e-12, `min-max output ${[...out]}`);
  // Ordinary values give exactly what they gave before the overflow-safe path existed.
  const small = await runPipeline(await loadPipeline(pipelineDir(t, `  - { stage: range, uses: min-max-scale }\n`, 'x\n0.1\n0.7\n0.3\n')), { store: false });
  const s = (small.states.range as { columns: Record<string, { scale: number; offset: number }> }).columns.x;
  assert.deepEqual(s, { data_min: 0.1, data_max: 0.7, scale: 1 / (0.7 - 0.1), offset: 0 - 0.1 * (1 / (0.7 - 0.1)) });
});

test('an infinite value reaching a fitted stage is an error naming the stage, the column and the row, not "state is not plain JSON"', async (t) => {
  for (const [uses, why] of [
    ['standard-scale', /standard-scale \(stage 'fit'\): column 'x' holds Infinity \(row 2\); a mean and a standard deviation need finite numbers/],
    ['min-max-scale', /min-max-scale \(stage 'fit'\): column 'x' holds Infinity \(row 2\); a range needs finite numbers/],
    ['impute', /impute \(stage 'fit'\): column 'x': the mean is Infinity because the column holds Infinity \(row 2\)/],
  ] as const) {
    const file = pipelineDir(t, `  - { stage: inf, uses: ./infinite.ts }\n  - { stage: fit, uses: ${uses} }\n`, 'x\n1\n2\n3\n4\n');
    const r = await runPipeline(await loadPipeline(file), { store: false });
    assert.equal(r.status, 'failed', uses);
    assert.match(r.error!.message, why);
    assert.doesNotMatch(r.error!.message, /plain JSON/);
  }
});

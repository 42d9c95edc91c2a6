// The P2 input: a seeded CSV of N rows x 20 feature columns (16 numbers with ~5% missing,
// 4 categories with ~5% missing) plus a binary label that depends on them, so a classifier
// has something to learn. Files are cached in bench/.data by row count.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_DIR } from './lib';

export const NUMERIC = Array.from({ length: 16 }, (_, j) => `n${j}`);
export const CATEGORIES = ['c0', 'c1', 'c2', 'c3'];
export const CARDINALITY = [4, 8, 16, 32];
export const TARGET = 'label';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function csvPath(rows: number): string {
  return path.join(DATA_DIR, `features-${rows}.csv`);
}

/** Path of the cached file for `rows`, generating it first when absent. */
export function ensureCsv(rows: number): string {
  const file = csvPath(rows);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  const random = rng(rows);
  const gauss = (): number => {
    const u = random() || 1e-12;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const scales = NUMERIC.map((_, j) => 10 ** ((j % 4) - 1));
  const offsets = NUMERIC.map((_, j) => j * 3 - 20);
  const weights = NUMERIC.map((_, j) => (j % 3 === 0 ? 0.8 : j % 3 === 1 ? -0.5 : 0.1));
  const catEffect = CARDINALITY.map((k) => Array.from({ length: k }, (_, v) => ((v % 3) - 1) * 0.7));
  let chunk: string[] = [[...NUMERIC, ...CATEGORIES, TARGET].join(',')];
  const cells: string[] = new Array(NUMERIC.length + CATEGORIES.length + 1);
  for (let r = 0; r < rows; r++) {
    let logit = 0;
    for (let j = 0; j < NUMERIC.length; j++) {
      const z = gauss();
      logit += weights[j] * z;
      cells[j] = random() < 0.05 ? '' : (offsets[j] + z * scales[j]).toFixed(4);
    }
    for (let j = 0; j < CATEGORIES.length; j++) {
      // Skewed so most_frequent has a clear winner: v = floor(k * u^2).
      const v = Math.floor(CARDINALITY[j] * random() ** 2);
      logit += catEffect[j][v];
      cells[NUMERIC.length + j] = random() < 0.05 ? '' : `${CATEGORIES[j]}_v${v}`;
    }
    cells[cells.length - 1] = logit + 0.5 * gauss() > 0 ? 'yes' : 'no';
    chunk.push(cells.join(','));
    if (chunk.length >= 20000) {
      fs.writeSync(fd, chunk.join('\n') + '\n');
      chunk = [];
    }
  }
  if (chunk.length) fs.writeSync(fd, chunk.join('\n') + '\n');
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return file;
}

/** The pipeline the P2/P5 benches run: the feature section, then split + logistic regression. */
export function pipelineYaml(csv: string, lr: { epochs: number; batch: number; rate: number }): string {
  const cats = `[${CATEGORIES.join(', ')}]`;
  return `pipeline: bench
target: ${TARGET}
data: { train: ${JSON.stringify(csv)} }
feature:
  - stage: impute_numbers
    uses: impute
    with: { strategy: median }
  - stage: scale
    uses: standard-scale
  - stage: impute_categories
    uses: impute
    with: { strategy: most_frequent, columns: ${cats} }
  - stage: encode
    uses: one-hot
    with: { columns: ${cats} }
training:
  - stage: split
    uses: train-test-split
    with: { test: 0.2, seed: 1 }
  - stage: fit
    uses: logistic-regression
    with: { epochs: ${lr.epochs}, learning_rate: ${lr.rate}, batch_size: ${lr.batch} }
  - stage: evaluate
    uses: classification-metrics
`;
}

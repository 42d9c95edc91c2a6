// A small, deterministic classification problem written to a temp folder, with a
// pipeline file around it. Tests change the YAML to exercise one feature at a time.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Workspace {
  dir: string;
  file: string;
  write(name: string, text: string): string;
  cleanup(): void;
}

/** Two numeric features and one category; label 'yes' when x + 2y + (plan==pro) > 2. */
export function makeCsv(rows: number, seed = 1, withLabel = true): string {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lines = [withLabel ? 'x,y,plan,label' : 'x,y,plan'];
  for (let i = 0; i < rows; i++) {
    const x = Math.round(rand() * 400) / 100;
    const y = Math.round(rand() * 200) / 100;
    const plan = rand() < 0.5 ? 'basic' : 'pro';
    const missingX = i % 17 === 3;
    const score = x + 2 * y + (plan === 'pro' ? 1 : 0);
    const label = score > 4 ? 'yes' : 'no';
    const cells = [missingX ? '' : String(x), String(y), plan];
    if (withLabel) cells.push(label);
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

export const BASE_PIPELINE = `pipeline: toy
target: label
params: { seed: 3, epochs: 40, lr: 0.5 }
data:
  train: data/train.csv
  inference: data/new.csv
feature:
  - stage: impute
    uses: impute
    with: { strategy: median }
  - stage: scale
    uses: standard-scale
  - stage: encode
    uses: one-hot
    with: { columns: [plan] }
training:
  - stage: split
    uses: train-test-split
    with: { test: 0.25, seed: "\${params.seed}" }
  - stage: fit
    uses: logistic-regression
    with: { epochs: "\${params.epochs}", learning_rate: "\${params.lr}" }
  - stage: evaluate
    uses: classification-metrics
inference:
  - stage: predict
    uses: predict
`;

/** BASE_PIPELINE's impute + scale stages as a sub-pipeline file (tests write it to shared/prep.pipeline.yaml). */
export const PREP_PIPELINE = `pipeline: prep
params: { strategy: mean }
feature:
  - stage: impute
    uses: impute
    with: { strategy: \${params.strategy} }
  - stage: scale
    uses: standard-scale
`;

const IMPUTE_AND_SCALE = `  - stage: impute
    uses: impute
    with: { strategy: median }
  - stage: scale
    uses: standard-scale
`;

/** BASE_PIPELINE with its impute + scale stages replaced by `stages` (YAML list items). */
export function baseWithStagesInstead(stages: string): string {
  if (!BASE_PIPELINE.includes(IMPUTE_AND_SCALE)) throw new Error('BASE_PIPELINE no longer has the impute + scale stages');
  return BASE_PIPELINE.replace(IMPUTE_AND_SCALE, stages);
}

/** BASE_PIPELINE with impute + scale done by shared/prep.pipeline.yaml (PREP_PIPELINE). */
export const WITH_SUB_PIPELINE = baseWithStagesInstead(`  - stage: prep
    uses: ./shared/prep.pipeline.yaml
    with: { strategy: median }
`);

export function workspace(pipeline = BASE_PIPELINE, rows = 400): Workspace {
  return toyWorkspace({ prefix: 'plumb-engine-', pipeline, rows, newRows: 50, newSeed: 99 });
}

export interface ToyWorkspaceOptions {
  /** Temp folder name prefix, e.g. 'plumb-engine-'. */
  prefix: string;
  pipeline: string;
  /** Labelled rows in data/train.csv (seed 1). */
  rows: number;
  /** Unlabelled rows in data/new.csv, and their seed. */
  newRows: number;
  newSeed: number;
}

/** A temp folder with toy.pipeline.yaml, data/train.csv and data/new.csv. */
export function toyWorkspace(o: ToyWorkspaceOptions): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), o.prefix));
  const write = (name: string, text: string): string => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    return p;
  };
  write('data/train.csv', makeCsv(o.rows, 1));
  write('data/new.csv', makeCsv(o.newRows, o.newSeed, false));
  const file = write('toy.pipeline.yaml', o.pipeline);
  return { dir, file, write, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

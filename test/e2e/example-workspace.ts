// A throwaway copy of examples/penguins for the end-to-end run: no saved versions, no
// outputs, the training data copied in beside the pipeline (the example points two
// levels up into node_modules, which does not exist next to a temp folder), and one more
// feature stage that includes a sub-pipeline, shared/prep.pipeline.yaml, whose only stage
// keeps every row (nothing is missing after the impute stages), so results do not change.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples', 'penguins');
const EXAMPLE_DATA = '../../node_modules/vega-datasets/data/penguins.json';

export const SUB_PIPELINE = 'shared/prep.pipeline.yaml';
const SUB_PIPELINE_TEXT = `# Shared preparation, included by penguins.pipeline.yaml (stage \`prep\`).
pipeline: prep
params: { required: [Island, Sex] }
feature:
  - stage: require_categories
    uses: drop-missing
    with: { columns: "\${params.required}" }
`;
const INCLUDE_BEFORE = '  - stage: encode\n';
const INCLUDE = '  - stage: prep\n    uses: ./shared/prep.pipeline.yaml\n';

export interface ExampleWorkspace {
  dir: string;
  pipelineFile: string;
  subPipelineFile: string;
  /** The pipeline file's text as written into the copy (1-based line lookups). */
  lineOf(needle: string): number;
  remove(): void;
}

export function copyExampleWorkspace(): ExampleWorkspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-e2e-ws-'));
  const skip = new Set([path.join(EXAMPLE_DIR, '.plumb'), path.join(EXAMPLE_DIR, 'out')]);
  fs.cpSync(EXAMPLE_DIR, dir, { recursive: true, filter: (src) => !skip.has(src) });

  const data = path.join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'penguins.json');
  if (!fs.existsSync(data)) throw new Error(`${data} is missing: run npm ci first`);
  fs.copyFileSync(data, path.join(dir, 'data', 'penguins.json'));

  const pipelineFile = path.join(dir, 'penguins.pipeline.yaml');
  const original = fs.readFileSync(pipelineFile, 'utf8');
  if (!original.includes(EXAMPLE_DATA)) throw new Error(`${pipelineFile}: expected data.train to be ${EXAMPLE_DATA}`);
  if (!original.includes(INCLUDE_BEFORE)) throw new Error(`${pipelineFile}: expected a line ${JSON.stringify(INCLUDE_BEFORE.trim())}`);
  const text = original.replace(EXAMPLE_DATA, 'data/penguins.json').replace(INCLUDE_BEFORE, INCLUDE + INCLUDE_BEFORE);
  fs.writeFileSync(pipelineFile, text);
  const subPipelineFile = path.join(dir, SUB_PIPELINE);
  fs.mkdirSync(path.dirname(subPipelineFile), { recursive: true });
  fs.writeFileSync(subPipelineFile, SUB_PIPELINE_TEXT);

  const lines = text.split('\n');
  return {
    dir,
    pipelineFile,
    subPipelineFile,
    lineOf(needle) {
      const i = lines.findIndex((l) => l.includes(needle));
      if (i < 0) throw new Error(`${pipelineFile}: no line contains ${JSON.stringify(needle)}`);
      return i + 1;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

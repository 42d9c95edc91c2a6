// A throwaway copy of examples/penguins for the end-to-end run: no saved versions, no
// outputs, and the training data copied in beside the pipeline (the example points two
// levels up into node_modules, which does not exist next to a temp folder).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples', 'penguins');
const EXAMPLE_DATA = '../../node_modules/vega-datasets/data/penguins.json';

export interface ExampleWorkspace {
  dir: string;
  pipelineFile: string;
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
  const text = original.replace(EXAMPLE_DATA, 'data/penguins.json');
  fs.writeFileSync(pipelineFile, text);

  const lines = text.split('\n');
  return {
    dir,
    pipelineFile,
    lineOf(needle) {
      const i = lines.findIndex((l) => l.includes(needle));
      if (i < 0) throw new Error(`${pipelineFile}: no line contains ${JSON.stringify(needle)}`);
      return i + 1;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

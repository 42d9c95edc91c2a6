// The example end to end, through the real `plumb` CLI (dist/cli.js):
// two training runs (two versions), tag the better one `champion`, serve it, then show
// the versions, the latest run's trace and the profile across runs.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const file = path.join('examples', 'penguins', 'penguins.pipeline.yaml');

function plumb(args, { json = false } = {}) {
  console.log(`\n$ plumb ${args.join(' ')}`);
  const out = execFileSync(process.execPath, [cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (json) return JSON.parse(out);
  process.stdout.write(out);
  return out;
}

const first = plumb(['run', file, '--json'], { json: true });
console.log(`version ${first.version}: accuracy ${first.metrics.accuracy}`);
const second = plumb(['run', file, '--set', 'learning_rate=0.05', '--set', 'epochs=60', '--json'], { json: true });
console.log(`version ${second.version}: accuracy ${second.metrics.accuracy}`);

const best = second.metrics.accuracy > first.metrics.accuracy ? second : first;
plumb(['versions', file, 'tag', 'champion', String(best.version)]);
plumb(['run', file, '--mode', 'inference', '--version', 'champion', '--out', 'examples/penguins/out/scored.csv']);
plumb(['versions', file]);
plumb(['trace', file]);
plumb(['metrics', file, '--all']);
console.log('\npredictions: examples/penguins/out/predictions.csv');

// Shared test helpers: a temp store directory, sample version inputs, and worker processes.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SaveVersionInput } from '../../runtime/store';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-store-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `node ...args` to the end and resolves with its stdout; rejects naming `what` when it fails. */
export function runNode(args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${what} exited with ${code}: ${err}`));
      else resolve(out);
    });
  });
}

/** Total bytes of all files under `dir` (0 if it does not exist). */
export function dirSize(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirSize(full) : fs.statSync(full).size;
  }
  return total;
}

/** Every file path under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full).map((f) => path.join(entry.name, f)));
    else out.push(entry.name);
  }
  return out.sort();
}

export function sampleInput(overrides: { seed?: number; auc?: number; lr?: number; runId?: string } = {}): SaveVersionInput {
  const seed = overrides.seed ?? 42;
  return {
    artifacts: {
      state: { impute: { medians: { age: 37.5, income: 52000 } }, scale: { mean: [1, 2], std: [0.5, 1.5] } },
      config: { pipeline: 'churn', params: { seed, test_size: 0.2 } },
      model: { kind: 'logistic-regression', weights: [0.25, -1.5, 3], bias: 0.1 },
      metrics: { auc: overrides.auc ?? 0.81, accuracy: 0.75, confusion: [[5, 1], [2, 4]] },
    },
    lineage: {
      pipelineFileHash: 'a'.repeat(64),
      dataHash: 'b'.repeat(64),
      params: { seed, test_size: 0.2, fit: { learning_rate: overrides.lr ?? 0.1 } },
      runId: overrides.runId ?? 'run-1',
    },
  };
}

// R1 crash safety: a process saving versions is killed with SIGKILL at a random moment,
// over and over, into one store. After every kill the store must load, every listed
// version must be complete and verify, no temp file may pass for a version, and a new
// save must work.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../runtime/store';
import { bundleFixture, Failures, recordCheck, tempDir, trialCount } from './helpers';

const TRIALS = trialCount('PLUMB_CRASH_TRIALS', 100, 20);
const PIPELINE = 'crashy';
const ARTIFACT_KB = 64;

/** Starts a saver, waits until it is saving, kills it after `delayMs`. Resolves with what it printed. */
function saveThenKill(script: string, root: string, worker: number, delayMs: number): Promise<{ saved: number[]; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, root, PIPELINE, String(worker), 'forever', String(ARTIFACT_KB)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!armed && out.startsWith('ready\n')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`saver ended on its own (code ${code}): ${err}`));
      else resolve({ saved: out.split('\n').slice(1).filter(Boolean).map(Number), signal });
    });
  });
}

test(`R1: ${TRIALS} saves killed with SIGKILL at random moments leave a consistent store`, { timeout: 300_000 }, async (t) => {
  const root = tempDir(t, 'plumb-crash-');
  const script = await bundleFixture(path.join(__dirname, 'fixtures', 'save-loop.ts'));
  t.after(() => fs.rmSync(script, { force: true }));
  const failures = new Failures();
  const versionsDir = path.join(root, 'pipelines', PIPELINE, 'versions');
  let checkedVersions = 0;
  let verified = new Set<number>();

  for (let trial = 0; trial < TRIALS; trial++) {
    const delay = 5 + Math.floor(Math.random() * 56);
    const { saved } = await saveThenKill(script, root, trial, delay);
    try {
      const store = new Store(root); // a fresh reader, as after a real crash
      const list = await store.listVersions(PIPELINE);
      const numbers = list.map((m) => m.version);
      const files = fs.existsSync(versionsDir) ? fs.readdirSync(versionsDir) : [];
      const manifests = files.filter((f) => /^\d{6}\.json$/.test(f));
      // Exactly the complete manifests are listed: no temp file counts as a version.
      assert.equal(numbers.length, manifests.length, `listed ${numbers.length}, manifest files ${manifests.length}`);
      assert.deepEqual(numbers, numbers.map((_, i) => i + 1), 'versions are 1..N without gaps');
      // Everything the killed child reported as saved is there.
      for (const n of saved) assert.ok(numbers.includes(n), `reported version ${n} is listed`);
      // Every version not yet checked loads completely (loadVersion re-hashes each object).
      for (const n of numbers) {
        if (verified.has(n)) continue;
        const v = await store.loadVersion(PIPELINE, n);
        assert.equal(typeof (v.state as { filler?: unknown }).filler, 'string');
        assert.equal((v.model as { kind?: unknown }).kind, 'constant');
        verified.add(n);
        checkedVersions++;
      }
      // And the store still takes a save.
      const after = await store.saveVersion(PIPELINE, {
        artifacts: { state: { trial }, config: { shared: true }, model: { kind: 'constant', value: -trial }, metrics: { trial } },
        lineage: { pipelineFileHash: 'f'.repeat(64), dataHash: 'd'.repeat(64), params: {}, runId: `after-${trial}` },
      });
      assert.equal(after.version, numbers.length + 1);
      verified.add(after.version);
    } catch (e) {
      failures.add(`trial ${trial} (kill after ${delay} ms): ${(e as Error).message}`);
    }
  }

  // A full verify at the end: every object of every version re-hashed in one pass.
  const problems = await new Store(root).verify(PIPELINE);
  for (const p of problems) failures.add(`verify: ${p.message}`);
  const total = (await new Store(root).listVersions(PIPELINE)).length;
  verified = new Set();

  await recordCheck('R1-crash-safety', {
    title: 'Crash safety: SIGKILL during saves',
    trials: TRIALS,
    cases: checkedVersions,
    failures: failures.count,
    examples: failures.examples,
    versionsAtEnd: total,
    tempFilesLeftByKills: countTempFiles(root),
  });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
  assert.ok(total > TRIALS, 'the killed savers did save versions (the kills landed mid-run)');
});

/** Stray `.tmp-*` files anywhere in the store (harmless: readers skip them, gc sweeps them). */
function countTempFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.tmp-')) n++;
    else if (e.isDirectory()) n += countTempFiles(path.join(dir, e.name));
  }
  return n;
}

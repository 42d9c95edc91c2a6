// R4 misbehaving user stages, through `plumb run` (the built dist/cli.js): each one must
// make the run exit non-zero and name the stage, and a hanging one must be stopped by
// --timeout / --stage-timeout within a bounded time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CLI, Failures, recordCheck, tempDir } from './helpers';

const STAGES = path.join(__dirname, 'fixtures', 'stages');

interface Case {
  stage: string;
  section?: 'feature' | 'training';
  args?: string[];
  code: number | ((code: number) => boolean);
  message: RegExp;
  /** Safety bound for the whole process, far above what the limit asks. */
  boundMs: number;
}

const CASES: Case[] = [
  { stage: 'throws', code: 1, message: /stage 'bad_one' .*failed: boom from a user stage/, boundMs: 30_000 },
  { stage: 'hang-async', code: 1, message: /stage 'bad_one' never finished/, boundMs: 30_000 },
  { stage: 'hang-async-timer', args: ['--stage-timeout', '1s'], code: 124, message: /stage 'bad_one' did not finish within 1s/, boundMs: 30_000 },
  { stage: 'hang-async-timer', args: ['--timeout', '1500ms'], code: 124, message: /run did not finish within 1500ms \(stage 'bad_one' was running\)/, boundMs: 30_000 },
  { stage: 'hang-sync', args: ['--stage-timeout', '1s'], code: 124, message: /stage 'bad_one' did not finish within 1s/, boundMs: 30_000 },
  { stage: 'hang-sync', args: ['--timeout', '2s'], code: 124, message: /run did not finish within 2s \(stage 'bad_one' was running\)/, boundMs: 30_000 },
  { stage: 'exit-0', code: 1, message: /stage 'bad_one' called process\.exit\(0\) before the run finished/, boundMs: 30_000 },
  { stage: 'exit-7', code: 1, message: /stage 'bad_one' called process\.exit\(7\)/, boundMs: 30_000 },
  { stage: 'exit-later', code: 1, message: /stage 'bad_one' called process\.exit\(0\)/, boundMs: 30_000 },
  { stage: 'memory-hog', args: ['--max-memory', '128'], code: 125, message: /aborted while stage 'bad_one' was running; most likely it ran out of memory/, boundMs: 60_000 },
  { stage: 'returns-null', code: 1, message: /stage 'bad_one' .*returned null, expected a Table/, boundMs: 30_000 },
  { stage: 'returns-object', code: 1, message: /stage 'bad_one' .*returned object, expected a Table/, boundMs: 30_000 },
  { stage: 'returns-array', code: 1, message: /stage 'bad_one' .*expected a Table/, boundMs: 30_000 },
  { stage: 'returns-ragged', code: 1, message: /stage 'bad_one' .*column 'b' has 1 rows, expected 3/, boundMs: 30_000 },
  { stage: 'returns-fake-table', code: 1, message: /stage 'bad_one' .*expected a Table/, boundMs: 30_000 },
  { stage: 'fit-returns-function', section: 'feature', code: 1, message: /stage 'bad_one' .*not plain JSON at \.f \(function\)/, boundMs: 30_000 },
];

function plumb(args: string[], cwd: string, boundMs: number): Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    // Not part of the check: only keeps a broken CLI from stalling the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr, ms: Date.now() - t0 });
    });
  });
}

test('R4: misbehaving user stages fail the run with the stage named, within bounds', { timeout: 600_000 }, async (t) => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)');
  const dir = tempDir(t, 'plumb-stages-');
  fs.writeFileSync(path.join(dir, 'd.csv'), 'x,y\n1,2\n3,4\n');
  for (const f of fs.readdirSync(STAGES)) fs.copyFileSync(path.join(STAGES, f), path.join(dir, f));
  const failures = new Failures();

  for (const c of CASES) {
    const file = `${c.stage}.pipeline.yaml`;
    fs.writeFileSync(path.join(dir, file), `pipeline: p\ndata: { train: d.csv }\n${c.section ?? 'training'}:\n  - stage: bad_one\n    uses: ./${c.stage}.js\n`);
    const r = await plumb(['run', file, ...(c.args ?? [])], dir, c.boundMs);
    const label = `${c.stage} ${(c.args ?? []).join(' ')}`.trim();
    if (r.signal) failures.add(`${label}: the CLI itself was killed by ${r.signal} after ${r.ms} ms`);
    else if (r.code !== c.code) failures.add(`${label}: exit ${r.code}, expected ${c.code}; stderr: ${r.stderr.slice(-300)}`);
    else if (!c.message.test(r.stderr)) failures.add(`${label}: stderr does not say ${c.message}: ${r.stderr.slice(-300)}`);
  }

  await recordCheck('R4-misbehaving-stages', {
    title: 'Misbehaving user stages under plumb run',
    trials: CASES.length,
    cases: CASES.length,
    failures: failures.count,
    examples: failures.examples,
    stages: CASES.map((c) => `${c.stage}${c.args ? ` ${c.args.join(' ')}` : ''}`),
  });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

test('R4: --timeout and friends reject nonsense values as usage errors', () => {
  // Runs in-process through the same parser the CLI uses.
  const { parseCli, UsageError } = require('../../runtime/cli/args') as typeof import('../../runtime/cli/args');
  for (const bad of [['--timeout', 'soon'], ['--timeout', '0'], ['--stage-timeout', '-1s'], ['--max-memory', '12'], ['--max-memory', 'lots'], ['--timeout', '9999h']]) {
    assert.throws(() => parseCli(['run', 'x.pipeline.yaml', ...bad]), UsageError, bad.join(' '));
  }
  const ok = parseCli(['run', 'x.pipeline.yaml', '--timeout', '1m30s', '--stage-timeout', '250ms', '--max-memory', '512']);
  assert.equal(ok.timeoutMs, 90_000);
  assert.equal(ok.stageTimeoutMs, 250);
  assert.equal(ok.maxMemoryMb, 512);
});

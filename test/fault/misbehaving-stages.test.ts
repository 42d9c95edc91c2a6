// R4 misbehaving user stages, through `plumb run` (the built dist/cli.js): each one must
// make the run exit non-zero and name the stage, and a hanging one must be stopped by
// --timeout / --stage-timeout, or by one Ctrl-C, within a bounded time. A stage that
// leaves a timer behind must not keep the CLI alive after a successful run. After every
// case no process of the CLI is left running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CLI, Failures, recordCheck, tempDir } from './helpers';
import { tagChildProcesses } from './adapter-processes';

const STAGES = path.join(__dirname, 'fixtures', 'stages');

interface Case {
  stage: string;
  section?: 'feature' | 'training';
  args?: string[];
  code: number | ((code: number) => boolean);
  message: RegExp;
  /** Safety bound for the whole process, far above what the limit asks. */
  boundMs: number;
  /**
   * Once stderr matches this, Ctrl-C: SIGINT to the CLI's whole process group, as a
   * terminal sends it. The CLI must then exit within `withinMs`.
   */
  interruptWhen?: RegExp;
  /** Once stderr matches this, the CLI must exit within `withinMs`. */
  exitAfter?: RegExp;
  /** The bound after interruptWhen / exitAfter (a requirement, with a margin). */
  withinMs?: number;
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
  { stage: 'leaves-timer', code: 0, message: /✓ ok in .* · version 1/, exitAfter: /version 1/, withinMs: 5000, boundMs: 30_000 },
  // Piped, the CLI prints the section's name just before its first stage starts.
  { stage: 'hang-async-timer', interruptWhen: /^training$/m, withinMs: 5000, code: 130, message: /stage 'bad_one' .*cancelled/, boundMs: 30_000 },
  { stage: 'hang-sync', interruptWhen: /^training$/m, withinMs: 5000, code: 130, message: /interrupted: stage 'bad_one' did not stop within 2s/, boundMs: 30_000 },
];

/** Live (not zombie) processes of dist/cli.js that carry this suite's environment tag. */
function leftoverCliProcesses(tag: string): number[] {
  const read = (file: string): string => {
    try {
      return fs.readFileSync(file, 'latin1');
    } catch {
      return '';
    }
  };
  const found: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    if (!read(`/proc/${e}/cmdline`).split('\0').includes(CLI)) continue;
    if (!read(`/proc/${e}/environ`).split('\0').includes(`PLUMB_FAULT_TAG=${tag}`)) continue;
    if (/\) Z /.test(read(`/proc/${e}/stat`))) continue;
    found.push(Number(e));
  }
  return found;
}

interface Ran {
  code: number | null;
  signal: string | null;
  stderr: string;
  ms: number;
  /** Milliseconds from the Ctrl-C or the `exitAfter` output to the exit, if either happened. */
  afterMarkMs?: number;
}

function plumb(args: string[], cwd: string, c: Pick<Case, 'boundMs' | 'interruptWhen' | 'exitAfter'>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    // Its own process group, so a Ctrl-C can reach the CLI and its run process together.
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' }, detached: true });
    let stderr = '';
    let markedAt: number | undefined;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (markedAt !== undefined) return;
      if (c.exitAfter?.test(stderr)) markedAt = Date.now();
      else if (c.interruptWhen?.test(stderr)) {
        markedAt = Date.now();
        // Let the stage get going (it starts right after the section line).
        setTimeout(() => {
          markedAt = Date.now();
          try {
            process.kill(-child.pid!, 'SIGINT');
          } catch {
            // Already gone: the exit code tells.
          }
        }, 300);
      }
    });
    child.stdout.resume();
    // Not part of the check: only keeps a broken CLI from stalling the suite. The whole
    // group: a run process left behind would hold stderr open, and 'close' never come.
    const guard = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, c.boundMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      const end = Date.now();
      resolve({ code, signal, stderr, ms: end - t0, afterMarkMs: markedAt === undefined ? undefined : end - markedAt });
    });
  });
}

test('R4: misbehaving user stages fail the run with the stage named, within bounds', { timeout: 600_000 }, async (t) => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)');
  const dir = tempDir(t, 'plumb-stages-');
  fs.writeFileSync(path.join(dir, 'd.csv'), 'x,y\n1,2\n3,4\n');
  for (const f of fs.readdirSync(STAGES)) fs.copyFileSync(path.join(STAGES, f), path.join(dir, f));
  const failures = new Failures();
  const tag = tagChildProcesses('r4-cli');

  for (const c of CASES) {
    const file = `${c.stage}.pipeline.yaml`;
    fs.writeFileSync(path.join(dir, file), `pipeline: p\ndata: { train: d.csv }\n${c.section ?? 'training'}:\n  - stage: bad_one\n    uses: ./${c.stage}.js\n`);
    const r = await plumb(['run', file, ...(c.args ?? [])], dir, c);
    const label = `${c.stage} ${(c.args ?? []).join(' ')}${c.interruptWhen ? ' + Ctrl-C' : ''}`.trim();
    const mark = c.interruptWhen ? 'the Ctrl-C' : 'the run ended';
    if (r.signal) failures.add(`${label}: the CLI itself was killed by ${r.signal} after ${r.ms} ms`);
    else if (r.code !== c.code) failures.add(`${label}: exit ${r.code}, expected ${c.code}; stderr: ${r.stderr.slice(-300)}`);
    else if (!c.message.test(r.stderr)) failures.add(`${label}: stderr does not say ${c.message}: ${r.stderr.slice(-300)}`);
    else if (c.withinMs !== undefined && !(r.afterMarkMs! < c.withinMs)) {
      failures.add(`${label}: exited ${r.afterMarkMs} ms after ${mark} (bound ${c.withinMs} ms)`);
    }
    if (c.exitAfter && c.code === 0 && !fs.existsSync(path.join(dir, '.plumb', 'pipelines', 'p', 'versions', '000001.json'))) {
      failures.add(`${label}: no version was saved`);
    }
    // The CLI has exited: neither it nor its run process may still be running.
    const left = leftoverCliProcesses(tag);
    if (left.length > 0) {
      failures.add(`${label}: ${left.length} plumb process(es) still running after the CLI exited (pids ${left.join(', ')})`);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
    }
    // A fresh store per case: the leaves-timer case counts its versions.
    fs.rmSync(path.join(dir, '.plumb'), { recursive: true, force: true });
  }

  await recordCheck('R4-misbehaving-stages', {
    title: 'Misbehaving user stages under plumb run',
    trials: CASES.length,
    cases: CASES.length,
    failures: failures.count,
    examples: failures.examples,
    stages: CASES.map((c) => `${c.stage}${c.args ? ` ${c.args.join(' ')}` : ''}${c.interruptWhen ? ' + Ctrl-C' : ''}`),
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

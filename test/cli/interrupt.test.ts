// The CLI as a process (the built dist/cli.js), stopped from outside: Ctrl-C during a
// long logistic-regression fit, and a reader that closes our stdout early.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workspace } from '../engine/fixture';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

interface Exit {
  code: number | null;
  signal: string | null;
  stderr: string;
  /** Milliseconds from the interrupt to the exit. */
  afterInterruptMs: number;
}

/**
 * Runs `plumb args`, sends SIGINT to the CLI's own process (not its group: the CLI must
 * pass it on) once stderr matches `ready`, and resolves when the process has exited.
 */
function interruptWhen(args: string[], cwd: string, ready: RegExp, boundMs = 30_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    let sentAt = 0;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sentAt && ready.test(stderr)) {
        sentAt = Date.now();
        child.kill('SIGINT');
      }
    });
    // Not part of the check: only keeps a broken CLI from stalling the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr, afterInterruptMs: sentAt ? Date.now() - sentAt : NaN });
    });
  });
}

test('Ctrl-C during a long logistic-regression fit exits 130 within seconds, names the stage, saves no version', { timeout: 60_000 }, async () => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)');
  const ws = workspace();
  try {
    // Piped, the CLI prints a line as each stage ends: the fit starts right after split's.
    const r = await interruptWhen(['run', 'toy.pipeline.yaml', '--set', 'epochs=2000000'], ws.dir, /✓ split/);
    assert.equal(r.signal, null, `the CLI itself was killed: ${r.stderr}`);
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.afterInterruptMs < 5000, `exited ${r.afterInterruptMs} ms after the interrupt (bound 5 s)`);
    assert.match(r.stderr, /✗ fit .*cancelled/);
    assert.match(r.stderr, /plumb: interrupted: stage 'fit' \(logistic-regression, line \d+\) was cancelled; no version saved/);
    assert.doesNotMatch(r.stderr, /version \d/);
    const versions = spawnSync(process.execPath, [CLI, 'versions', 'toy.pipeline.yaml', '--json'], { cwd: ws.dir, encoding: 'utf8' });
    assert.equal(versions.status, 0, versions.stderr);
    assert.deepEqual(JSON.parse(versions.stdout), []);
  } finally {
    ws.cleanup();
  }
});

test('a reader that closes stdout early (plumb stages | head) ends plumb quietly, without an EPIPE stack trace', { timeout: 30_000 }, async () => {
  // Our end of the pipe is closed before the CLI has started, so every line it writes
  // meets a closed pipe (EPIPE), as with `| head -1` once head has exited.
  const r = await new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'stages'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
  assert.equal(r.signal, null);
  assert.equal(r.stderr, '', 'nothing on stderr');
  assert.equal(r.code, 0);
});

/** Live processes whose command line has `needle` and whose environment has `tag`. */
function tagged(needle: string, tag: string): number[] {
  const read = (f: string): string => {
    try {
      return fs.readFileSync(f, 'latin1');
    } catch {
      return '';
    }
  };
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && read(`/proc/${e}/cmdline`).includes(needle) && read(`/proc/${e}/environ`).split('\0').includes(tag))
    .filter((e) => !/\) Z /.test(read(`/proc/${e}/stat`)))
    .map(Number);
}

test('a run whose supervising plumb is killed -9 stops itself instead of running on as an orphan', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'plumb-orphan-'));
  const tag = `PLUMB_ORPHAN_TAG=${process.pid}-${Date.now()}`;
  try {
    fs.writeFileSync(path.join(dir, 'd.csv'), 'x,y\n1,2\n3,4\n');
    fs.copyFileSync(path.resolve(__dirname, '../fault/fixtures/stages/hang-async-timer.js'), path.join(dir, 'hang.js'));
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'pipeline: p\ndata: { train: d.csv }\ntraining:\n  - stage: stuck\n    uses: ./hang.js\n');
    const [k, v] = tag.split('=');
    const plumb = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml'], { cwd: dir, stdio: 'ignore', env: { ...process.env, [k]: v } });
    // Wait until the run process (the supervised child) exists, then kill its supervisor.
    let child: number[] = [];
    for (let i = 0; i < 300 && child.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      child = tagged('cli.js', tag).filter((p) => p !== plumb.pid);
    }
    assert.equal(child.length, 1, 'the supervised run process started');
    await new Promise((r) => setTimeout(r, 500)); // the stage is running by now
    plumb.kill('SIGKILL');
    let left = child;
    for (let i = 0; i < 100 && left.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      left = tagged('cli.js', tag);
    }
    for (const p of left) process.kill(p, 'SIGKILL');
    assert.deepEqual(left, [], 'no run process is left 5 s after its supervisor died');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

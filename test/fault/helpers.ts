// Shared pieces of the fault, load and bad-input suite: the quick/full trial counts, the
// results file every check writes its figures to, fixture bundling for fast child
// processes and workers, temp dirs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

/**
 * `npm test` runs the suite with PLUMB_QUICK=1 (`scripts/run-tests.mjs --quick`): the
 * heavy trials run fewer repetitions there; `npm run test:reliability` runs the full counts.
 */
export const QUICK = process.env.PLUMB_QUICK === '1';

/** A trial count: an explicit environment override, else the quick or the full count. */
export function trialCount(envVar: string, full: number, quick: number): number {
  const set = process.env[envVar];
  if (set !== undefined && set !== '') {
    const n = Number(set);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${envVar} must be a whole number ≥ 1, got ${JSON.stringify(set)}`);
    return n;
  }
  return QUICK ? quick : full;
}

/**
 * Where the checks write their figures: under test-output/ (ignored by git), never the
 * committed reliability/results.json. `npm run reliability:record` runs the full suite
 * and copies its figures there; PLUMB_RELIABILITY_RESULTS names another file.
 */
export const RESULTS_FILE =
  process.env.PLUMB_RELIABILITY_RESULTS || path.join(ROOT, 'test-output', 'reliability', QUICK ? 'results-quick.json' : 'results.json');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface CheckFigures {
  /** Short title of the check, as in reliability/README.md. */
  title: string;
  /** Independent repetitions (processes killed, pipelines run, ...). */
  trials: number;
  /** Individual assertions-worth of input checked (versions verified, files validated, ...). */
  cases: number;
  /** Trials or cases that broke the property; 0 when the check passes. */
  failures: number;
  /** First few failures, for the reader of results.json. */
  examples?: string[];
  [more: string]: unknown;
}

/**
 * Merges one check's figures into RESULTS_FILE. Test files run in parallel
 * processes, so the read-merge-write happens under an exclusive lock file, and the new
 * content replaces the old with one rename (a reader never sees half a file).
 */
export async function recordCheck(id: string, figures: CheckFigures): Promise<void> {
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const lock = `${RESULTS_FILE}.lock`;
  const deadline = Date.now() + 30_000;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = fs.openSync(lock, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock older than 30 s belongs to a writer that died; take it over.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 30_000 || Date.now() > deadline) fs.rmSync(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    let all: { generated?: string; node?: string; checks: Record<string, unknown> } = { checks: {} };
    try {
      const parsed = JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8'));
      if (parsed && typeof parsed === 'object' && parsed.checks && typeof parsed.checks === 'object') all = parsed;
    } catch {
      // Missing or unreadable: start afresh.
    }
    const date = new Date().toISOString();
    all.generated = date;
    all.node = process.version;
    all.checks[id] = { ...figures, passed: figures.failures === 0, quick: QUICK, date, machine: { cpus: os.cpus().length, platform: process.platform } };
    all.checks = Object.fromEntries(Object.entries(all.checks).sort(([a], [b]) => a.localeCompare(b)));
    const temp = `${RESULTS_FILE}.tmp-${process.pid}`;
    fs.writeFileSync(temp, JSON.stringify(all, null, 2) + '\n');
    fs.renameSync(temp, RESULTS_FILE);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Bundles a TypeScript fixture into plain JS (no tsx start-up cost per child process).
 * Written under node_modules/.cache so its `require('esbuild')` still resolves.
 */
export async function bundleFixture(entry: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = path.join(ROOT, 'node_modules', '.cache', 'plumb-fault', `${path.basename(entry, '.ts')}-${process.pid}.js`);
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['esbuild'], logLevel: 'silent' });
  return outfile;
}

export function tempDir(t: { after(fn: () => void): void }, prefix = 'plumb-fault-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Keeps the first few failure descriptions, counting all of them. */
export class Failures {
  count = 0;
  readonly examples: string[] = [];
  add(what: string): void {
    this.count++;
    if (this.examples.length < 10) this.examples.push(what.length > 500 ? `${what.slice(0, 500)}…` : what);
  }
}

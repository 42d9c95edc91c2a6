// P2 as a user measures it: whole processes, cold. `plumb run FILE --stop-after encode` (the
// built CLI, `node dist/cli.js`) against the whole `python3 pandas_sklearn.py` process and a
// DuckDB script process, all doing the same feature pipeline on the same 1M × 20 CSV (see
// data.bench.ts for what each peer computes). Each measurement is a fresh process, the tools
// take turns (the order rotates every round), and before each one the page cache is dropped
// when this user may (root: `sync; echo 3 > /proc/sys/vm/drop_caches`), so every tool reads
// its code and the data from disk as on a first run. Peak memory comes from the OS, not from
// the tool: the peak resident set (VmHWM) of every process in the tool's process tree, polled
// from /proc, summed (`plumb run` is two processes: the supervisor and the run), and the
// largest single process's peak as wait4 reports it (GNU time's %M) beside it.
//   node --import tsx bench/cold-run.bench.ts [--quick] [--rows 1000000] [--reps 3] [--cli other/dist/cli.js]
// Needs `npm run build` first (it runs dist/cli.js).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { BENCH_DIR, DATA_DIR, finish, formatTable, median, quick, round, type Result } from './lib';
import { ensureCsv, pipelineYaml } from './data-gen';
import { LR } from './peers/lr-params';

const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';
const ROOT = path.resolve(BENCH_DIR, '..');
const argValue0 = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
/** `--cli PATH` measures another build (e.g. an older commit's dist/cli.js); not written to results. */
const CLI = path.resolve(argValue0('--cli') ?? path.join(ROOT, 'dist', 'cli.js'));

const argValue = argValue0;
const rows = Number(argValue('--rows') ?? (quick ? 100_000 : 1_000_000));
const reps = Number(argValue('--reps') ?? 3);
if (!Number.isInteger(rows) || rows <= 0) throw new Error(`--rows needs a positive row count, got '${argValue('--rows')}'`);
if (!Number.isInteger(reps) || reps <= 0) throw new Error(`--reps needs a positive count, got '${argValue('--reps')}'`);
const partial = (argValue('--rows') !== undefined && !quick && rows !== 1_000_000) || argValue('--cli') !== undefined;

interface Sample {
  wallMs: number;
  /** Sum over the process tree of each process's peak RSS (VmHWM), MB. */
  treeMB: number;
  /** The largest single process's peak RSS as wait4 reports it (GNU time %M), MB. */
  wait4MB: number;
  processes: number;
  load1: number;
  cacheDropped: boolean;
  /** What the tool itself printed (its own timings), for the notes. */
  detail: string;
}

interface Tool {
  id: string;
  label: string;
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Drops the page cache (root only); says whether it worked. */
function dropCaches(): boolean {
  spawnSync('sync');
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** Direct children of `pid`, from /proc/<pid>/task/<tid>/children. */
function childrenOf(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

/** VmHWM of a process in kB, or undefined once it is gone. */
function peakKb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs one tool under GNU time, polling the peak RSS of its process tree every 5 ms. */
function measure(tool: Tool): Promise<Sample> {
  const cacheDropped = dropCaches();
  const load1 = os.loadavg()[0];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(TIME, ['-f', 'WAIT4 %e %M', tool.cmd, ...tool.args], {
      cwd: tool.cwd,
      env: tool.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const peaks = new Map<number, number>();
    const poll = (): void => {
      const todo = [child.pid!];
      while (todo.length) {
        const pid = todo.pop()!;
        if (pid !== child.pid) {
          // GNU time itself is not the tool: leave its ~2 MB out.
          const kb = peakKb(pid);
          if (kb !== undefined) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kb));
        }
        todo.push(...childrenOf(pid));
      }
    };
    const timer = setInterval(poll, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      clearInterval(timer);
      const m = /WAIT4 ([\d.]+) (\d+)/.exec(stderr);
      if (code !== 0 || !m) {
        reject(new Error(`${tool.label} failed (exit ${code}): ${stderr.slice(-600)}`));
        return;
      }
      const treeKb = [...peaks.values()].reduce((s, k) => s + k, 0);
      resolve({
        wallMs,
        treeMB: treeKb / 1024,
        wait4MB: Number(m[2]) / 1024,
        processes: peaks.size,
        load1,
        cacheDropped,
        detail: (stdout.trim().split('\n').pop() ?? '') + stderr.replace(/WAIT4 .*/, '').trim(),
      });
    });
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error(`${path.relative(process.cwd(), CLI)} is missing: run 'npm run build' first`);
  const csv = ensureCsv(rows);
  const mb = fs.statSync(csv).size / 1e6;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plumb-cold-'));
  // The DuckDB peer as plain JavaScript, so its process starts as fast as node can (under tsx
  // it would pay for the TypeScript loader, which no DuckDB user runs).
  const duckJs = path.join(DATA_DIR, 'duckdb-data.js');
  await build({
    entryPoints: [path.join(BENCH_DIR, 'peers', 'duckdb-data.ts')],
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: duckJs,
    external: ['@duckdb/node-api'], logLevel: 'warning',
  });
  try {
    const pipeline = path.join(dir, 'bench.pipeline.yaml');
    fs.writeFileSync(pipeline, pipelineYaml(csv, LR));
    const pyEnv = { ...process.env };
    // The machine's OpenBLAS tuning variables are for another CPU; keep them away from numpy.
    delete pyEnv.OPENBLAS_CORETYPE;
    delete pyEnv.OPENBLAS_L2_SIZE;
    const tools: Tool[] = [
      { id: 'plumb', label: 'plumb run --stop-after encode', cmd: process.execPath, args: [CLI, 'run', pipeline, '--stop-after', 'encode', '--no-color'], cwd: dir },
      { id: 'pandas', label: 'pandas+sklearn (python3 process)', cmd: PYTHON, args: [path.join(BENCH_DIR, 'peers', 'pandas_sklearn.py'), 'feature', csv, '1'], env: pyEnv },
      { id: 'duckdb', label: 'DuckDB (node script process)', cmd: process.execPath, args: [duckJs, csv, '1'] },
    ];
    const samples = new Map<string, Sample[]>(tools.map((t) => [t.id, []]));
    const loadStart = os.loadavg();
    console.log(`${rows} rows (${mb.toFixed(0)} MB), ${reps} rounds, load ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
    for (let r = 0; r < reps; r++) {
      // Rotate the order each round, so no tool always runs first (or right after another).
      const order = tools.map((_, k) => tools[(k + r) % tools.length]);
      for (const tool of order) {
        const s = await measure(tool);
        samples.get(tool.id)!.push(s);
        console.log(`  round ${r + 1} ${tool.id.padEnd(6)} ${(s.wallMs / 1000).toFixed(2)} s  tree peak ${s.treeMB.toFixed(0)} MB (${s.processes} processes, largest ${s.wait4MB.toFixed(0)} MB)  load ${s.load1.toFixed(2)}${s.cacheDropped ? '' : '  (page cache NOT dropped)'}`);
      }
    }
    const loadEnd = os.loadavg();
    const med = (id: string, key: 'wallMs' | 'treeMB' | 'wait4MB'): number => median(samples.get(id)!.map((s) => s[key]));
    const tag = rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}k`;
    const p = med('plumb', 'wallMs');
    const results: Result[] = [];
    const vs = (id: string, label: string, goal: number | undefined): void => {
      const ref = med(id, 'wallMs');
      results.push({
        id: `p2.cold.${tag}.vs-${id}`, label: `whole process, cold, ${tag} rows: plumb run --stop-after encode`, value: round(p, 0), unit: 'ms',
        reference: { label, value: round(ref, 0), unit: 'ms' }, ratio: round(ref / p, 2),
        ...(goal === undefined ? {} : { goal: goal === 1 ? 'faster' : `≥ ${goal}× faster`, met: ref / p >= goal }),
      });
    };
    vs('pandas', 'pandas+sklearn process', 4);
    vs('duckdb', 'DuckDB process', 1);
    const pm = med('plumb', 'treeMB');
    const pandasMem = med('pandas', 'treeMB');
    results.push({
      id: `p2.cold.${tag}.peak-rss`, label: `peak RSS of the process tree, ${tag} rows`, value: round(pm, 0), unit: 'MB',
      reference: { label: 'pandas+sklearn', value: round(pandasMem, 0), unit: 'MB' }, ratio: round(pm / pandasMem, 2),
      goal: '≤ 0.8× pandas', met: pm <= 0.8 * pandasMem,
    });
    results.push({
      id: `p2.cold.${tag}.peak-rss-duckdb`, label: `peak RSS of the process tree, ${tag} rows`, value: round(pm, 0), unit: 'MB',
      reference: { label: 'DuckDB', value: round(med('duckdb', 'treeMB'), 0), unit: 'MB' }, ratio: round(pm / med('duckdb', 'treeMB'), 2),
    });
    const dropped = [...samples.values()].flat().every((s) => s.cacheDropped);
    const notes = [
      `Medians of ${reps} rounds; in each round every tool runs once as a fresh process, the order rotating from round to round. Ratio = reference time / Plumb time.`,
      `Load average (1 min) at the start ${loadStart[0].toFixed(2)}, at the end ${loadEnd[0].toFixed(2)}; per process: ${tools.map((t) => `${t.id} ${samples.get(t.id)!.map((s) => s.load1.toFixed(1)).join('/')}`).join(', ')}.`,
      dropped
        ? 'Cold: the page cache was dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every process, so each read its code (node, the bundle, Python and its libraries, DuckDB) and the CSV from disk.'
        : 'The page cache could NOT be dropped (not root): processes after the first ran with the CSV and their code in the page cache.',
      'Wall time from spawn to exit of the whole process (start-up, imports, reading, the pipeline, exit), measured by this script.',
      'Peak memory: the sum over the tool\'s process tree of each process\'s VmHWM (polled from /proc every 5 ms; `plumb run` is a supervisor plus the run process), and the largest single process (wait4 ru_maxrss via GNU time %M): ' +
        tools.map((t) => `${t.id} ${round(med(t.id, 'wait4MB'), 0)} MB`).join(', ') + '.',
      'Work: pandas = read_csv + ColumnTransformer(SimpleImputer(median)+StandardScaler on 16 number columns, SimpleImputer(most_frequent)+OneHotEncoder(dense) on 4 category columns).fit_transform; DuckDB = read_csv into a table, then SQL (median/mode, avg/stddev_pop, CASE one-hot) into a table; Plumb = the pipeline file\'s impute / standard-scale / impute / one-hot stages, with lineage hashing of the data file and the run record written to the store, as `plumb run` does.',
      ...tools.map((t) => `${t.id}, last round's own output: ${samples.get(t.id)!.at(-1)!.detail.replace(/\s*\n\s*/g, ' | ').slice(0, 700)}`),
    ];
    if (partial) console.log(`\ncold-run (partial: not written)\n\n${formatTable(results)}\n\n${notes.map((n) => `- ${n}`).join('\n')}`);
    else finish('cold-run', results, notes);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// R7 soak: 100 debug sessions back to back through ONE adapter process (dist/adapter.js
// --server=0, one DAP connection per session, the way a long VS Code window reuses it).
// One process is the point: a leak in the adapter (sessions, listeners, sockets, pending
// requests) only shows if the same process lives through all of them; a fresh adapter per
// session would hide it. Each session stops at a function breakpoint before `look`, whose
// input is a 1,000,000-row table (built from typed arrays by a user stage, no CSV parse),
// pages through its rows and reads every column's summary, then terminates.
// Measured: the adapter's heap after a forced GC (it runs with --expose-gc and answers the
// `plumb/adapterMemory` request), its RSS and open fds from /proc, and session hosts left.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ADAPTER, alive, startAdapterServer, waitFor } from '../adapter/helpers';
import { processFigures, tagChildProcesses, taggedHosts } from './adapter-processes';
import { Failures, recordCheck, tempDir } from './helpers';

const SESSIONS = Number(process.env.PLUMB_SOAK_SESSIONS ?? 100);
const ROWS = 1_000_000;
const PAGE = 100;
const PAGE_STARTS = [0, 250_000, 500_000, 999_900];
/** Figures are compared from this session on: the first ones warm caches and JIT up. */
const BASELINE_AT = Math.min(10, SESSIONS);
const TAG = tagChildProcesses('r7-soak');

// Tolerances, measured at session 100 against session 10 (see reliability/README.md).
const HEAP_GROWTH_MAX_MB = 1;
const RSS_GROWTH_MAX_MB = 16;
const FD_GROWTH_MAX = 0;

const PIPELINE = `pipeline: soak
params: { rows: ${ROWS} }
data: { train: small.csv }
training:
  - stage: grow
    uses: ./grow.js
    with: { rows: "\${params.rows}" }
  - stage: look
    uses: ./pass.js
`;

// Typed arrays and a dictionary-coded category: ~30 ms for a million rows.
const GROW = `const { numberColumn, Table } = require('plumb');
module.exports = function grow(_input, ctx) {
  const rows = Number(ctx.params.rows);
  const id = new Float64Array(rows), x = new Float64Array(rows), codes = new Int32Array(rows);
  for (let r = 0; r < rows; r++) { id[r] = r; x[r] = (r % 1000) / 10; codes[r] = r % 3; }
  return new Table([numberColumn('id', id), numberColumn('x', x), { type: 'category', name: 'plan', codes, dictionary: ['basic', 'plus', 'pro'] }]);
};
`;

interface Memory {
  heapUsed: number;
  rss: number;
  gcForced: boolean;
}

/** The adapter's memory after a forced GC, over a connection of its own. */
async function adapterMemory(port: number): Promise<Memory> {
  const dc = new DebugClient('node', ADAPTER, 'plumb');
  await dc.start(port);
  try {
    const r = await dc.customRequest('plumb/adapterMemory');
    return r.body as Memory;
  } finally {
    await dc.stop();
  }
}

const variables = async (dc: DebugClient, ref: number, extra: Partial<DebugProtocol.VariablesArguments> = {}): Promise<DebugProtocol.Variable[]> =>
  (await dc.variablesRequest({ variablesReference: ref, ...extra })).body.variables;

function named(list: DebugProtocol.Variable[], name: string): DebugProtocol.Variable {
  const v = list.find((x) => x.name === name);
  assert.ok(v, `no '${name}' among ${list.map((x) => x.name).join(', ')}`);
  return v;
}

/**
 * A column statistic's value: shown directly, or (a long column expanded before its
 * background summary) a lazy child whose ref computes it, as VS Code's click does.
 */
async function statistic(dc: DebugClient, list: DebugProtocol.Variable[], name: string): Promise<string> {
  const v = named(list, name);
  if (!v.presentationHint?.lazy) return v.value;
  const [value] = await variables(dc, v.variablesReference);
  assert.equal(value.name, name);
  return value.value;
}

/** One whole session; returns the host's pid. Throws on anything unexpected. */
async function oneSession(port: number, dir: string, n: number): Promise<number> {
  const dc = new DebugClient('node', ADAPTER, 'plumb');
  dc.defaultTimeout = 20_000;
  const stopped = new Promise<DebugProtocol.StoppedEvent>((r) => dc.once('stopped', r));
  const hostPid = new Promise<number>((r) => dc.once('process', (e: DebugProtocol.ProcessEvent) => r(e.body.systemProcessId ?? -1)));
  const terminated = new Promise<void>((r) => dc.once('terminated', () => r()));
  const initialized = dc.waitForEvent('initialized');
  await dc.start(port);
  try {
    await dc.initializeRequest({ adapterID: 'plumb', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await dc.launchRequest({ pipeline: path.join(dir, 'soak.pipeline.yaml'), store: path.join(dir, '.plumb') } as DebugProtocol.LaunchRequestArguments);
    await initialized;
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'look' }] });
    await dc.configurationDoneRequest();
    const stop = await stopped;
    assert.equal(stop.body.reason, 'function breakpoint');

    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    assert.match(frame.name, /look/);
    const scope = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((s) => s.name === 'Input');
    assert.ok(scope, 'an Input scope');
    let parts = await variables(dc, scope.variablesReference);
    const table = parts.find((v) => v.type === 'Table');
    if (table) parts = await variables(dc, table.variablesReference);

    const rows = named(parts, 'rows');
    assert.equal(rows.indexedVariables, ROWS);
    for (const start of PAGE_STARTS) {
      const page = await variables(dc, rows.variablesReference, { start, count: PAGE, filter: 'indexed' });
      assert.equal(page.length, PAGE);
      assert.equal(page[0].name, String(start));
      const cells = await variables(dc, page[PAGE - 1].variablesReference);
      assert.equal(named(cells, 'id').value, String(start + PAGE - 1));
    }

    // The columns, each with its one-line description, and the full summaries of `x` (1,000
    // distinct values) and `plan`; the all-distinct `id` (≈0.5 s to summarise, see the
    // README) in every tenth session only, so the soak stays within CI time.
    const columns = await variables(dc, named(parts, 'columns').variablesReference);
    assert.deepEqual(columns.map((c) => c.name), ['id', 'x', 'plan']);
    assert.match(columns[0].value, /mean 5\.000e\+5|mean 500000/);
    const xStats = await variables(dc, columns[1].variablesReference);
    assert.equal(Number(await statistic(dc, xStats, 'distinct')), 1000);
    const planStats = await variables(dc, columns[2].variablesReference);
    assert.match(await statistic(dc, planStats, 'top values'), /"basic" \(333334\)/);
    if (n % 10 === 1) {
      const idStats = await variables(dc, columns[0].variablesReference);
      assert.equal(Number(await statistic(dc, idStats, 'mean')), (ROWS - 1) / 2);
    }

    await dc.terminateRequest({});
    await terminated;
    return await hostPid;
  } finally {
    await dc.stop().catch(() => undefined);
  }
}

test(`R7 soak: ${SESSIONS} debug sessions through one adapter keep its memory and fds flat`, { timeout: 600_000 }, async (t) => {
  assert.ok(fs.existsSync(ADAPTER), 'dist/adapter.js is built (npm run build)');
  const dir = fs.realpathSync(tempDir(t, 'plumb-soak-'));
  fs.writeFileSync(path.join(dir, 'soak.pipeline.yaml'), PIPELINE);
  fs.writeFileSync(path.join(dir, 'small.csv'), 'a,b\n1,2\n3,4\n');
  fs.writeFileSync(path.join(dir, 'grow.js'), GROW);
  fs.writeFileSync(path.join(dir, 'pass.js'), 'module.exports = (input) => input;\n');

  const { server, port } = await startAdapterServer(['--expose-gc']);
  t.after(() => {
    if (alive(server.pid!)) server.kill('SIGKILL');
  });
  const failures = new Failures();
  const series: { session: number; heapUsedMb: number; rssKb: number; fds: number; ms: number }[] = [];
  const measure = async (session: number, ms: number): Promise<void> => {
    const m = await adapterMemory(port);
    assert.ok(m.gcForced, 'the adapter runs with --expose-gc');
    const { rssKb, fds } = processFigures(server.pid!);
    series.push({ session, heapUsedMb: Math.round((m.heapUsed / 2 ** 20) * 100) / 100, rssKb, fds, ms: Math.round(ms) });
  };

  await measure(0, 0);
  const sessionMs: number[] = [];
  let leftAfterSession = 0;
  for (let i = 1; i <= SESSIONS; i++) {
    const t0 = performance.now();
    try {
      const hostPid = await oneSession(port, dir, i);
      // The host is gone once the session has ended (SIGKILL after 300 ms at the latest).
      await waitFor(() => !alive(hostPid), 2000, `host ${hostPid} of session ${i} still running`);
    } catch (e) {
      failures.add(`session ${i}: ${(e as Error).message}`);
      if (failures.count > 5) break;
    }
    sessionMs.push(performance.now() - t0);
    if (taggedHosts(TAG).length > 0) leftAfterSession++;
    if (i % 10 === 0 || i === BASELINE_AT || i === SESSIONS) {
      const last = sessionMs.slice(-10);
      await measure(i, last.reduce((a, b) => a + b, 0) / last.length);
    }
  }
  await waitFor(() => taggedHosts(TAG).length === 0, 3000, 'no session host left').catch(() => undefined);
  const leftovers = taggedHosts(TAG);
  if (leftovers.length) failures.add(`session hosts left running: ${leftovers.join(', ')}`);
  leftovers.forEach((p) => process.kill(p, 'SIGKILL'));

  const base = series.find((s) => s.session === BASELINE_AT)!;
  const end = series[series.length - 1];
  const heapGrowthMb = end.heapUsedMb - base.heapUsedMb;
  const rssGrowthMb = (end.rssKb - base.rssKb) / 1024;
  const fdGrowth = end.fds - base.fds;
  if (end.session !== SESSIONS) failures.add(`only ${end.session} of ${SESSIONS} sessions ran`);
  if (heapGrowthMb > HEAP_GROWTH_MAX_MB) failures.add(`adapter heap grew ${heapGrowthMb.toFixed(2)} MB from session ${BASELINE_AT} to ${end.session} (max ${HEAP_GROWTH_MAX_MB})`);
  if (rssGrowthMb > RSS_GROWTH_MAX_MB) failures.add(`adapter RSS grew ${rssGrowthMb.toFixed(1)} MB from session ${BASELINE_AT} to ${end.session} (max ${RSS_GROWTH_MAX_MB})`);
  if (fdGrowth > FD_GROWTH_MAX) failures.add(`adapter open fds grew by ${fdGrowth} from session ${BASELINE_AT} to ${end.session}`);
  const sorted = [...sessionMs].sort((a, b) => a - b);

  await recordCheck('R7-soak', {
    title: `Soak: ${SESSIONS} debug sessions through one adapter, 1M-row table paged in each`,
    trials: SESSIONS,
    cases: SESSIONS * (PAGE_STARTS.length + 4) + Math.ceil(SESSIONS / 10),
    failures: failures.count,
    examples: failures.examples,
    adapter: '--server=0, one DAP connection per session, --expose-gc',
    rows: ROWS,
    start: { session: BASELINE_AT, heapUsedMb: base.heapUsedMb, rssKb: base.rssKb, fds: base.fds },
    end: { session: end.session, heapUsedMb: end.heapUsedMb, rssKb: end.rssKb, fds: end.fds },
    fresh: series[0],
    heapGrowthMb: Math.round(heapGrowthMb * 100) / 100,
    rssGrowthMb: Math.round(rssGrowthMb * 10) / 10,
    fdGrowth,
    tolerances: { heapGrowthMaxMb: HEAP_GROWTH_MAX_MB, rssGrowthMaxMb: RSS_GROWTH_MAX_MB, fdGrowthMax: FD_GROWTH_MAX },
    sessionMs: { median: Math.round(sorted[Math.floor(sorted.length / 2)]), p95: Math.round(sorted[Math.floor(sorted.length * 0.95)]), total: Math.round(sessionMs.reduce((a, b) => a + b, 0)) },
    hostsSeenAfterASession: leftAfterSession,
    leftoverHosts: leftovers.length,
    series,
  });
  assert.equal(failures.count, 0, failures.examples.join('\n'));
});

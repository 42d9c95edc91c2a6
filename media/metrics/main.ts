// The metrics panel's page: draws the host's run records with uPlot. Receives only the
// typed HostMessages of src/metrics/messages.ts; keeps its data in the webview state
// (getState/setState) so a hidden-then-shown panel redraws at once without the host.
// Saved runs arrive as summaries; full records only for the runs drawn in detail (the
// newest, the selected one, the live one), fetched with 'selected' when the user picks another.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './metrics.css';
import { isHostMessage, summarizeRun, type HostMessage, type PageMessage, type RunSummary, type StageSummary, type TableView, type VersionPoint } from '../../src/metrics/messages';
import type { RunRecord } from '../../runtime/monitor/record';

interface VsCodeApi {
  postMessage(m: PageMessage): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PageState {
  pipeline?: string;
  /** Saved runs, oldest first. */
  runs: RunSummary[];
  /** Full records of some saved runs (the newest, the selected, a few fetched ones). */
  details: RunRecord[];
  versions: VersionPoint[];
  live?: RunRecord;
  table?: TableView;
  selected?: string;
  error?: string;
}

const vscode = acquireVsCodeApi();
let state: PageState = restoredState(vscode.getState() as Partial<PageState> | undefined);
const charts: uPlot[] = [];

/** A full record (older hosts and saved states sent those as history) or a summary. */
function isFullRecord(r: RunSummary | RunRecord): r is RunRecord {
  return (r as Partial<RunRecord>).format === 1;
}

function asSummary(r: RunSummary | RunRecord): RunSummary {
  return isFullRecord(r) ? summarizeRun(r) : r;
}

function restoredState(saved: Partial<PageState> | undefined): PageState {
  const runs = (saved?.runs ?? []) as (RunSummary | RunRecord)[];
  return { versions: [], ...saved, runs: runs.map(asSummary), details: [...(saved?.details ?? []), ...runs.filter(isFullRecord).slice(-1)] };
}

/** Full records worth keeping: the newest saved run's, the selected one's, and the last few fetched. */
const KEEP_FETCHED = 4;
function keepDetails(details: RunRecord[]): RunRecord[] {
  const newest = state.runs.at(-1)?.runId;
  const byId = new Map<string, RunRecord>();
  for (const d of details) byId.set(d.runId, d); // a later copy wins
  const known = new Set(state.runs.map((r) => r.runId));
  const kept = [...byId.values()].filter((d) => known.has(d.runId));
  const pinned = kept.filter((d) => d.runId === newest || d.runId === state.selected);
  const others = kept.filter((d) => !pinned.includes(d)).slice(-KEEP_FETCHED);
  return [...others, ...pinned];
}

// ---- theme --------------------------------------------------------------------------

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

// Read once per render, before the DOM changes: getComputedStyle after a change forces a
// style recalculation, and every chart used to read ten variables.
let themeCache: ReturnType<typeof readTheme> | undefined;
function theme() {
  return (themeCache ??= readTheme());
}

function readTheme() {
  return {
    fg: cssVar('--vscode-foreground', '#cccccc'),
    muted: cssVar('--vscode-descriptionForeground', '#9d9d9d'),
    grid: cssVar('--vscode-editorWidget-border', '#454545'),
    font: `11px ${cssVar('--vscode-font-family', 'system-ui, sans-serif')}`,
    blue: cssVar('--vscode-charts-blue', '#3794ff'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    red: cssVar('--vscode-charts-red', '#f14c4c'),
    yellow: cssVar('--vscode-charts-yellow', '#cca700'),
    orange: cssVar('--vscode-charts-orange', '#d18616'),
    purple: cssVar('--vscode-charts-purple', '#b180d7'),
  };
}

function alpha(color: string, a: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  return `${color}${Math.round(a * 255).toString(16).padStart(2, '0')}`;
}

// ---- formatting (short forms, like the CLI) --------------------------------------------

function ms(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  if (v < 10 && !Number.isInteger(v)) return `${v.toFixed(1)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60000) return `${(v / 1000).toFixed(v < 10000 ? 2 : 1)} s`;
  return `${Math.floor(v / 60000)}m ${String(Math.round((v % 60000) / 1000)).padStart(2, '0')}s`;
}
function count(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return Math.round(v).toLocaleString('en-US');
}
function num(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return Number.isInteger(v) ? count(v) : String(Number(v.toPrecision(4)));
}

// ---- DOM helpers ----------------------------------------------------------------------

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function card(parent: HTMLElement, title: string, note?: string): HTMLElement {
  const c = el('section', 'card');
  const h = el('h2', undefined, title);
  if (note) h.append(el('span', 'note', note));
  c.append(h);
  const body = el('div', 'chart');
  c.append(body);
  parent.append(c);
  return body;
}

function chartWidth(body: HTMLElement): number {
  return Math.max(260, Math.floor(body.getBoundingClientRect().width || 480));
}

// Charts are built once every card is in the page: all widths are read in one layout,
// then all uPlots are made (each adds DOM, so interleaving reads would lay out again each time).
const pendingCharts: { body: HTMLElement; opts: Omit<uPlot.Options, 'width'>; data: uPlot.AlignedData }[] = [];

function drawPendingCharts(): void {
  const widths = pendingCharts.map((c) => chartWidth(c.body));
  pendingCharts.splice(0).forEach((c, i) => charts.push(new uPlot({ ...c.opts, width: widths[i] } as uPlot.Options, c.data, c.body)));
}

/**
 * Every category label up to 60 categories (stage charts, as before); beyond that one per
 * ~28 px (1,000 runs would otherwise measure and draw 1,000 labels on top of each other).
 */
function categorySplits(u: uPlot, count: number): number[] {
  const step = count <= 60 ? 1 : Math.max(1, Math.ceil((count * 28) / Math.max(1, u.width - 80)));
  const out: number[] = [];
  for (let i = 0; i < count; i += step) out.push(i);
  return out;
}

// ---- charts ---------------------------------------------------------------------------

type Series = { label: string; color: string; values: (number | null)[]; bars?: boolean; fmt?: (v: number | null) => string };

/**
 * A chart over categories (stages, runs, versions) at x = 0..n-1. With several bar
 * series, each gets its own slot inside a category (grouped bars).
 */
function categoryChart(body: HTMLElement, names: string[], series: Series[], yLabel: string, yFmt: (v: number) => string, integer = false): void {
  const t = theme();
  const bars = series.filter((s) => s.bars);
  const slot = bars.length > 1 ? 0.8 / bars.length : 0;
  const xs: number[] = [];
  const columns: (number | null)[][] = series.map(() => []);
  names.forEach((_, i) => {
    // One x per bar slot (grouped), or one per category.
    const offsets = bars.length > 1 ? bars.map((_, b) => (b - (bars.length - 1) / 2) * slot) : [0];
    offsets.forEach((off, b) => {
      xs.push(i + off);
      series.forEach((s, si) => {
        const mine = !s.bars || bars.length <= 1 ? off === offsets[Math.floor(offsets.length / 2)] : bars.indexOf(s) === b;
        columns[si].push(mine ? s.values[i] : null);
      });
    });
  });
  const barWidth = bars.length > 1 ? slot * 0.9 : 0.6;
  const opts: Omit<uPlot.Options, 'width'> = {
    height: 220,
    padding: [12, 12, 0, 4],
    legend: { show: series.length > 1, live: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: { time: false, range: [-0.6, names.length - 0.4] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      {
        stroke: t.muted,
        font: t.font,
        grid: { show: false },
        ticks: { stroke: t.grid },
        splits: (u: uPlot) => categorySplits(u, names.length),
        // Unrotated labels share the width: shorten them to their slot (about 7 px a
        // character) so neighbours never overlap in a narrow panel.
        values: (u, splits) => {
          const chars = names.length > 8 ? 14 : Math.max(4, Math.min(14, Math.floor((u.width - 80) / Math.max(1, names.length) / 7)));
          return splits.map((i) => truncate(names[i] ?? '', chars));
        },
        rotate: names.length > 8 ? -30 : 0,
        size: names.length > 8 ? 60 : 36,
      } as uPlot.Axis,
      { stroke: t.muted, font: t.font, label: yLabel, labelFont: t.font, grid: { stroke: alpha(t.grid, 0.6), width: 1 }, ticks: { stroke: t.grid }, size: 64, values: (_u, splits) => splits.map(yFmt), ...(integer ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10_000, 100_000, 1_000_000] } : {}) },
    ],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        fill: s.bars ? alpha(s.color, 0.75) : undefined,
        width: s.bars ? 0 : 2,
        spanGaps: !s.bars,
        paths: s.bars ? uPlot.paths.bars!({ size: [barWidth / (bars.length > 1 ? slot : 1), 120], align: 0 }) : undefined,
        points: { show: !s.bars, size: 6, fill: s.color },
        value: (_u: uPlot, v: number | null) => (s.fmt ?? yFmt)(v ?? NaN),
      })),
    ],
  };
  pendingCharts.push({ body, opts, data: [xs, ...columns] as uPlot.AlignedData });
}

/** A line chart over numeric x (steps, epochs). */
function lineChart(body: HTMLElement, xs: number[], series: Series[], xLabel: string): void {
  const t = theme();
  const opts: Omit<uPlot.Options, 'width'> = {
    height: 200,
    padding: [12, 12, 0, 4],
    legend: { show: series.length > 1, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false } },
    axes: [
      { stroke: t.muted, font: t.font, label: xLabel, labelFont: t.font, grid: { show: false }, ticks: { stroke: t.grid } },
      { stroke: t.muted, font: t.font, grid: { stroke: alpha(t.grid, 0.6), width: 1 }, ticks: { stroke: t.grid }, size: 60, values: (_u, s) => s.map(num) },
    ],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: xs.length < 40, size: 5, fill: s.color } }))],
  };
  pendingCharts.push({ body, opts, data: [xs, ...series.map((s) => s.values)] as uPlot.AlignedData });
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

// ---- sections -------------------------------------------------------------------------

function ran(s: { status: StageSummary['status'] }): boolean {
  return s.status === 'ok' || s.status === 'failed' || s.status === 'running';
}

/**
 * The stage charts come from the summary; the metric series need the full record, which
 * an older run gets on request (a note stands in until it arrives).
 */
function runSections(root: HTMLElement, run: RunSummary, record: RunRecord | undefined): void {
  const t = theme();
  const stages = run.stages.filter(ran);
  const names = stages.map((s) => s.stage);
  const grid = el('div', 'grid');
  root.append(grid);
  if (stages.length === 0) {
    grid.append(el('p', 'empty', 'No stage has run yet.'));
    return;
  }
  categoryChart(card(grid, 'Stage duration', `total ${ms(run.durationMs ?? stages.reduce((a, s) => a + (s.durationMs ?? 0), 0))}`), names, [
    { label: 'duration', color: t.blue, bars: true, values: stages.map((s) => s.durationMs ?? null) },
  ], 'time', ms);
  categoryChart(card(grid, 'Rows through stages', 'in → out'), names, [
    { label: 'rows in', color: t.purple, bars: true, values: stages.map((s) => s.rowsIn) },
    { label: 'rows out', color: t.green, bars: true, values: stages.map((s) => s.rowsOut) },
  ], 'rows', count, true);
  categoryChart(card(grid, 'Retries, errors, warnings'), names, [
    { label: 'retries', color: t.orange, bars: true, values: stages.map((s) => s.retries) },
    { label: 'errors', color: t.red, bars: true, values: stages.map((s) => s.errors) },
    { label: 'warnings', color: t.yellow, bars: true, values: stages.map((s) => s.warnings) },
  ], 'count', count, true);

  // Custom metric series: one chart per metric name (across stages), x = step.
  if (!record) {
    if (Object.keys(run.metrics).length) grid.append(el('p', 'empty loading', 'Loading the metric series…'));
    return;
  }
  const byName = new Map<string, { stage: string; points: { step: number; value: number }[] }>();
  for (const s of record.stages.filter(ran)) for (const [name, points] of Object.entries(s.metrics)) if (points.length > 1) byName.set(`${s.stage} · ${name}`, { stage: s.stage, points });
  const palette = [t.blue, t.orange, t.green, t.purple];
  [...byName.entries()].slice(0, 6).forEach(([label, { points }], i) => {
    const sorted = [...points].sort((a, b) => a.step - b.step);
    lineChart(card(grid, label, `${sorted.length} points · last ${num(sorted.at(-1)?.value)}`), sorted.map((p) => p.step), [
      { label, color: palette[i % palette.length], values: sorted.map((p) => p.value) },
    ], 'step');
  });
}

function historySections(root: HTMLElement): void {
  const t = theme();
  const runs = state.runs.filter((r) => r.durationMs !== undefined);
  // Attached before drawing: charts size themselves from their card's width.
  const heading = el('h2', 'section', 'History');
  const grid = el('div', 'grid');
  root.append(heading, grid);
  if (runs.length > 1) {
    categoryChart(card(grid, 'Run duration history', `${runs.length} runs`), runs.map((r, i) => `#${i + 1}`), [
      { label: 'ok', color: t.blue, bars: true, values: runs.map((r) => (r.status === 'ok' ? r.durationMs! : null)) },
      { label: 'failed', color: t.red, bars: true, values: runs.map((r) => (r.status !== 'ok' ? r.durationMs! : null)) },
    ], 'time', ms);
  }
  const versions = [...state.versions].sort((a, b) => a.version - b.version);
  const metric = ['accuracy', 'f1', 'r2', 'rmse'].find((k) => versions.some((v) => k in v.metrics)) ?? Object.keys(versions[0]?.metrics ?? {})[0];
  if (metric && versions.length > 0) {
    categoryChart(card(grid, `${metric} per version`, `latest ${num(versions.at(-1)!.metrics[metric])}`), versions.map((v) => `v${v.version}${v.aliases.length ? ` (${v.aliases[0]})` : ''}`), [
      { label: metric, color: t.green, values: versions.map((v) => v.metrics[metric] ?? null) },
    ], metric, num);
  }
  if (!grid.childElementCount) {
    heading.remove();
    grid.remove();
  }
}

function tableSection(root: HTMLElement, table: TableView): void {
  const c = el('section', 'card wide');
  const h = el('h2', undefined, table.title);
  if (table.shape) h.append(el('span', 'note', table.shape));
  const close = el('button', 'close', '×');
  close.title = 'Close';
  close.addEventListener('click', () => {
    state.table = undefined;
    save();
    render();
  });
  h.append(close);
  c.append(h);
  const wrap = el('div', 'table-wrap');
  const t = el('table', 'stats');
  const head = el('tr');
  for (const col of table.header) head.append(el('th', undefined, col));
  t.append(head);
  for (const row of table.rows) {
    const tr = el('tr');
    row.forEach((cell, i) => tr.append(el('td', i === 0 ? 'name' : /^-?[\d.,]+( |%|$)/.test(cell) ? 'num' : undefined, cell)));
    t.append(tr);
  }
  wrap.append(t);
  c.append(wrap);
  root.append(c);
}

// ---- the page -------------------------------------------------------------------------

function currentRun(): RunSummary | undefined {
  const all = allRuns();
  return all.find((r) => r.runId === state.selected) ?? all.at(-1);
}

/** The full record of a run, when the page has it. */
function recordOf(run: RunSummary): RunRecord | undefined {
  if (state.live?.runId === run.runId) return state.live;
  return state.details.find((d) => d.runId === run.runId);
}

function allRuns(): RunSummary[] {
  const saved = state.runs.filter((r) => r.runId !== state.live?.runId);
  return state.live ? [...saved, summarizeRun(state.live)] : saved;
}

const EAGER_OPTIONS = 50;
/** The pending fill of the run selector (the latest render's), if any. */
let fillLater: (() => void) | undefined;
function fillPendingOptions(): void {
  const fill = fillLater;
  fillLater = undefined;
  fill?.();
}

function render(): void {
  themeCache = readTheme();
  for (const c of charts.splice(0)) c.destroy();
  pendingCharts.length = 0;
  const root = document.getElementById('charts')!;
  root.replaceChildren();
  document.getElementById('title')!.textContent = state.pipeline ? `${state.pipeline} — metrics` : 'Plumb metrics';

  const select = document.getElementById('run') as HTMLSelectElement;
  const runs = allRuns();
  const run = currentRun();
  const option = (r: RunSummary) => {
    const o = el('option', undefined, `${r.runId} · ${r.mode} · ${r.status}${r.version ? ` · v${r.version}` : ''}`);
    o.value = r.runId;
    o.selected = r.runId === run?.runId;
    return o;
  };
  const fillOptions = () => select.replaceChildren(...[...runs].reverse().map(option));
  // A long run list (styling and laying out 1,000 options took ~40 ms) is filled in just
  // after the first paint, or at once if the user reaches for the selector before that.
  if (runs.length <= EAGER_OPTIONS || !run) {
    fillLater = undefined;
    fillOptions();
  } else {
    select.replaceChildren(option(run));
    fillLater = fillOptions;
    setTimeout(() => setTimeout(fillPendingOptions, 0), 0); // after markDrawn's paint mark
  }
  select.hidden = runs.length === 0;

  const status = document.getElementById('status')!;
  status.textContent = run ? `${run.status === 'running' ? '● live' : run.status} · ${ms(run.durationMs)}${run.error ? ` · ${run.error.message}` : ''}` : '';
  status.className = run ? `status ${run.status}` : 'status';

  if (state.error) root.append(el('p', 'error', state.error));
  if (state.table) tableSection(root, state.table);
  if (!run && !state.table) {
    root.append(el('p', 'empty', 'No runs yet. Run or debug a pipeline to see its metrics here.'));
    return;
  }
  if (run) runSections(root, run, recordOf(run));
  historySections(root);
  drawPendingCharts();
  markDrawn();
}

/**
 * Performance marks for bench/panel.bench.ts: 'plumb:charts-drawn' once uPlot has drawn
 * (it draws in a microtask queued by its constructor, so ours runs after), and
 * 'plumb:charts-painted' in the first task after the frame that shows them (render runs
 * from requestAnimationFrame, and a timer set there fires after that frame's paint).
 */
function markDrawn(): void {
  queueMicrotask(() => performance.mark('plumb:charts-drawn'));
  setTimeout(() => performance.mark('plumb:charts-painted'), 0);
}

function save(): void {
  vscode.setState(state);
}

let pending = 0;
function renderSoon(): void {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(render);
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  // Anything can post to a window; only the host's typed messages count.
  if (!isHostMessage(e.data)) return;
  const m: HostMessage = e.data;
  switch (m.type) {
    case 'history': {
      if (m.pipeline !== state.pipeline) state = { ...state, selected: undefined, details: [], live: state.live?.pipeline === m.pipeline ? state.live : undefined };
      const runs = m.runs as (RunSummary | RunRecord)[];
      state = { ...state, pipeline: m.pipeline, runs: runs.map(asSummary), versions: m.versions, error: undefined };
      state.details = keepDetails([...state.details, ...runs.filter(isFullRecord), ...(m.details ?? [])]);
      break;
    }
    case 'run':
      if (m.run.pipeline !== state.pipeline) return;
      state.details = keepDetails([...state.details, m.run]);
      if (currentRun()?.runId !== m.run.runId) {
        save();
        return; // kept for later; nothing on screen changes
      }
      break;
    case 'live':
      if (state.pipeline !== m.run.pipeline) state = { ...state, pipeline: m.run.pipeline, runs: [], details: [], versions: [] };
      // Follow the live run unless the user picked another one.
      if (!state.selected || state.selected === state.live?.runId) state.selected = m.run.runId;
      state.live = m.run;
      break;
    case 'table':
      state.table = m.table;
      break;
    case 'error':
      state.error = m.message;
      break;
    default:
      return;
  }
  save();
  renderSoon();
});

document.getElementById('run')!.addEventListener('pointerdown', fillPendingOptions);
document.getElementById('run')!.addEventListener('focus', fillPendingOptions);
document.getElementById('run')!.addEventListener('change', (e) => {
  state.selected = (e.target as HTMLSelectElement).value;
  save();
  render();
  vscode.postMessage({ type: 'selected', runId: state.selected });
});

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(render, 150);
});

// A colour theme change sends no message: VS Code swaps the body's theme class and the
// --vscode-* variables on <html>. Redraw then, so the charts take the new colours.
const themeWatch = new MutationObserver(renderSoon);
themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

render();
vscode.postMessage({ type: 'ready' });

// The execution trace as text: pipeline → sections → stages, each with its status,
// duration, rows, attempts, warnings, last metric values and a timeline bar (a text
// Gantt chart scaled to the run). Also the unit formatters the CLI and editor reuse.
import type { Section } from '../vocabulary';
import { attemptCount, type RunRecord, type StageRecord } from './record';

export interface TextOptions {
  /** Wrap glyphs and statuses in ANSI colours (for terminals). */
  color?: boolean;
  /** Total line width to fit the timeline into (default 100). */
  width?: number;
  /** Plain ASCII instead of box-drawing and symbol characters. */
  ascii?: boolean;
}

// ---- unit formatters -------------------------------------------------------------

/** '0 ms', '2.5 ms', '340 ms', '1.25 s', '12.3 s', '2m 05s', '1h 02m'. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 10 && !Number.isInteger(ms)) return `${ms.toFixed(1)} ms`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 9.995) return `${s.toFixed(2)} s`;
  if (s < 59.95) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m ${String(totalS % 60).padStart(2, '0')}s`;
  const totalM = Math.round(s / 60);
  return `${Math.floor(totalM / 60)}h ${String(totalM % 60).padStart(2, '0')}m`;
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal units: '512 B', '1.2 MB', '12.3 MB', '340 kB'. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  let v = bytes;
  let u = 0;
  if (v < 1000) return `${Math.round(v)} B`;
  while (u < BYTE_UNITS.length - 1 && v >= 999.5) {
    v /= 1000;
    u++;
  }
  return `${v < 99.95 ? v.toFixed(1) : Math.round(v)} ${BYTE_UNITS[u]}`;
}

/** Whole rows with thousands separators: '10,000'. */
export function formatRows(rows: number): string {
  if (!Number.isFinite(rows)) return '—';
  const n = Math.round(rows);
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

/** A metric value, short: 4 significant digits, or grouped whole numbers. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return formatRows(v);
  if (Math.abs(v) >= 1000) return formatRows(v);
  return String(Number(v.toPrecision(4)));
}

// ---- glyphs and colours ------------------------------------------------------------

interface Glyphs {
  ok: string;
  failed: string;
  retried: string;
  skipped: string;
  running: string;
  pending: string;
  warn: string;
  arrow: string;
  full: string;
  empty: string;
  tee: string;
  last: string;
  pipe: string;
  dot: string;
}

const UNICODE: Glyphs = {
  ok: '✓', failed: '✗', retried: '↻', skipped: '·', running: '▶', pending: '·', warn: '⚠', arrow: '→',
  full: '█', empty: '░', tee: '├─ ', last: '└─ ', pipe: '│  ', dot: '·',
};
const ASCII: Glyphs = {
  ok: '+', failed: 'x', retried: 'r', skipped: '.', running: '>', pending: '.', warn: '!', arrow: '->',
  full: '#', empty: '-', tee: '|- ', last: '`- ', pipe: '|  ', dot: '-',
};

export function glyphsFor(opts: TextOptions): Glyphs {
  return opts.ascii ? ASCII : UNICODE;
}

const ANSI = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Tint = keyof typeof ANSI;

export function paint(text: string, tint: Tint, opts: TextOptions): string {
  return opts.color ? `\u001b[${ANSI[tint]}m${text}\u001b[0m` : text;
}

/** The glyph and colour for a stage: ↻ marks a stage that needed more than one attempt. */
export function stageMark(s: StageRecord, g: Glyphs): { glyph: string; tint: Tint } {
  switch (s.status) {
    case 'ok':
      return attemptCount(s) > 1 ? { glyph: g.retried, tint: 'yellow' } : { glyph: g.ok, tint: 'green' };
    case 'failed':
      return { glyph: g.failed, tint: 'red' };
    case 'running':
      return { glyph: g.running, tint: 'bold' };
    default:
      return { glyph: s.status === 'skipped' ? g.skipped : g.pending, tint: 'dim' };
  }
}

// ---- the trace ---------------------------------------------------------------------

/**
 * Renders a run record as a tree with a timeline, e.g.
 *
 *   churn · train · ✗ failed · 3.40 s · run r1
 *   ├─ feature  1.20 s
 *   │  ├─ ✓ impute  120 ms  1,000 → 1,000  │██░░░░░░░░│
 *   │  └─ ↻ scale   1.08 s  1,000 → 1,000  │░░██████░░│
 *   │        attempt 1 ✗ TransientError: flaky · 50 ms · retry in 1.00 s
 */
export function formatTrace(record: RunRecord, opts: TextOptions = {}): string {
  const g = glyphsFor(opts);
  const width = opts.width ?? 100;
  const stages = [...record.stages].sort((a, b) => a.index - b.index);
  const lines: string[] = [];

  // Header: what ran, how it ended.
  const statusTint: Tint = record.status === 'ok' ? 'green' : record.status === 'running' ? 'bold' : record.status === 'failed' ? 'red' : 'yellow';
  const statusGlyph = record.status === 'ok' ? g.ok : record.status === 'failed' ? g.failed : record.status === 'running' ? g.running : g.skipped;
  const head = [
    paint(record.pipeline || '(pipeline)', 'bold', opts),
    record.mode,
    paint(`${statusGlyph} ${record.status}`, statusTint, opts),
  ];
  if (record.durationMs !== undefined) head.push(formatDuration(record.durationMs));
  if (record.runId) head.push(`run ${record.runId}`);
  if (record.version !== undefined) head.push(`version ${record.version}`);
  lines.push(head.join(` ${g.dot} `));
  if (record.error) lines.push(`  ${paint(`error: ${record.error.name}: ${record.error.message}`, 'red', opts)}`);
  for (const w of record.warnings) if (w.stage === undefined) lines.push(`  ${paint(`${g.warn} ${w.message} [${w.code}]`, 'yellow', opts)}`);
  if (record.retry.totalRetries > 0) {
    lines.push(`  retries: ${record.retry.totalRetries} over ${record.retry.stagesRetried} stage${record.retry.stagesRetried === 1 ? '' : 's'}`);
  }

  // Group stages by section, sections in the order their first stage runs.
  const sections: { section: Section; stages: StageRecord[] }[] = [];
  for (const s of stages) {
    const last = sections[sections.length - 1];
    if (last && last.section === s.section) last.stages.push(s);
    else sections.push({ section: s.section, stages: [s] });
  }

  // Column widths, so stage rows line up across sections.
  const nameW = Math.max(0, ...stages.map((s) => s.stage.length));
  const durW = Math.max(0, ...stages.map((s) => durationCell(s).length));
  const rowsW = Math.max(0, ...stages.map((s) => rowsCell(s, g).length));
  const leftW = 3 + 3 + 2 + nameW + 2 + durW + 2 + rowsW + 2; // indents, glyph, columns, gaps
  const barW = Math.max(10, width - leftW - 2);
  const span = runSpan(record, stages);

  sections.forEach((sec, si) => {
    const lastSection = si === sections.length - 1;
    const secPrefix = lastSection ? g.last : g.tee;
    const inner = lastSection ? '   ' : g.pipe;
    const secDur = sectionDuration(sec.stages);
    lines.push(`${secPrefix}${paint(sec.section, 'bold', opts)}${secDur !== undefined ? `  ${formatDuration(secDur)}` : ''}`);
    sec.stages.forEach((s, i) => {
      const lastStage = i === sec.stages.length - 1;
      const mark = stageMark(s, g);
      const row = [
        paint(mark.glyph, mark.tint, opts),
        s.stage.padEnd(nameW),
        durationCell(s).padStart(durW),
        rowsCell(s, g).padEnd(rowsW),
        timelineBar(s, record.start, span, barW, g),
      ].join('  ');
      lines.push(`${inner}${lastStage ? g.last : g.tee}${row}`.trimEnd());
      const detailIndent = `${inner}${lastStage ? '   ' : g.pipe}    `;
      for (const d of stageDetails(s, record, g, opts)) lines.push(detailIndent + d);
    });
  });
  return lines.join('\n');
}

function durationCell(s: StageRecord): string {
  if (s.durationMs !== undefined) return formatDuration(s.durationMs);
  return s.status === 'running' ? 'running' : s.status;
}

function rowsCell(s: StageRecord, g: Glyphs): string {
  if (s.status === 'pending' || (s.status === 'skipped' && s.start === undefined)) return '';
  if (s.status === 'ok') return `${formatRows(s.rowsIn)} ${g.arrow} ${formatRows(s.rowsOut)}`;
  return `${formatRows(s.rowsIn)} ${g.arrow} ${g.dot}`;
}

/** The run's time range for the timeline: its duration, or as far as stages reached. */
function runSpan(record: RunRecord, stages: StageRecord[]): number {
  if (record.durationMs !== undefined && record.durationMs > 0) return record.durationMs;
  let end = record.start;
  for (const s of stages) if (s.start !== undefined) end = Math.max(end, s.start + (s.durationMs ?? 0));
  return end - record.start;
}

function sectionDuration(stages: StageRecord[]): number | undefined {
  let from = Infinity;
  let to = -Infinity;
  for (const s of stages) {
    if (s.start === undefined || s.durationMs === undefined) continue;
    from = Math.min(from, s.start);
    to = Math.max(to, s.start + s.durationMs);
  }
  return from === Infinity ? undefined : to - from;
}

function timelineBar(s: StageRecord, origin: number, span: number, width: number, g: Glyphs): string {
  if (s.start === undefined) return g.empty.repeat(width);
  const scale = span > 0 ? width / span : 0;
  let from = Math.floor((s.start - origin) * scale);
  let to = Math.ceil((s.start - origin + (s.durationMs ?? 0)) * scale);
  from = Math.min(Math.max(from, 0), width - 1);
  to = Math.min(Math.max(to, from + 1), width); // a stage that ran shows at least one cell
  return g.empty.repeat(from) + g.full.repeat(to - from) + g.empty.repeat(width - to);
}

function stageDetails(s: StageRecord, record: RunRecord, g: Glyphs, opts: TextOptions): string[] {
  const out: string[] = [];
  const showAttempts = s.attempts.length > 1 || s.attempts.some((a) => !a.ok);
  if (showAttempts) {
    for (const a of s.attempts) {
      const parts = [`attempt ${a.attempt} ${a.ok ? g.ok : g.failed}`];
      if (a.error) parts[0] += ` ${a.error.name}: ${a.error.message}`;
      parts.push(formatDuration(a.durationMs));
      if (a.delayMs !== undefined) parts.push(`retry in ${formatDuration(a.delayMs)}`);
      out.push(paint(parts.join(` ${g.dot} `), a.ok ? 'green' : 'yellow', opts));
    }
  }
  // Errors not already shown with an attempt (e.g. a failure outside the attempt loop).
  const shownWithAttempts = showAttempts ? s.attempts.filter((a) => a.error).length : 0;
  for (const e of s.errors.slice(shownWithAttempts)) out.push(paint(`error: ${e.name}: ${e.message}`, 'red', opts));
  for (const w of record.warnings) {
    if (w.stage === s.stage) out.push(paint(`${g.warn} ${w.message} [${w.code}]`, 'yellow', opts));
  }
  const metricNames = Object.keys(s.metrics);
  if (metricNames.length) {
    const last = metricNames.map((name) => {
      const series = s.metrics[name];
      const p = series[series.length - 1];
      return `${name} ${formatValue(p.value)} @${p.step}`;
    });
    out.push(`metrics: ${last.join(', ')}${s.steps ? ` ${g.dot} ${formatRows(s.steps)} steps` : ''}`);
  } else if (s.steps) out.push(`${formatRows(s.steps)} steps`);
  return out;
}

// Shows a run as it happens. On a terminal: one live line with a progress bar for the
// running stage, replaced by a result line when it ends. When piped: only result lines,
// so CI logs stay readable. Writes to stderr, keeping stdout for --out/--json data.
import type { EngineEvent } from '../engine/events';
import type { StageRef } from '../vocabulary';
import { formatDuration, formatRows } from '../monitor';

export interface ProgressOptions {
  tty: boolean;
  color: boolean;
  write: (s: string) => void;
  columns?: number;
}

const paint = (on: boolean, code: string, s: string): string => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export class ProgressView {
  private live = false;
  private current: { ref: StageRef; fraction: number; note: string; start: number } | undefined;
  private lastDraw = 0;

  constructor(private readonly o: ProgressOptions) {}

  handle(e: EngineEvent): void {
    const c = this.o.color;
    switch (e.type) {
      case 'run-start':
        this.line(`${paint(c, '1', e.pipeline)} · ${e.mode} · run ${e.runId} · ${e.stages.length} stages`);
        break;
      case 'section-start':
        this.line(paint(c, '2', `${e.section}`));
        break;
      case 'stage-start':
        this.current = { ref: e.ref, fraction: 0, note: '', start: e.time };
        this.draw(true);
        break;
      case 'progress':
        if (this.current) {
          this.current.fraction = e.fraction;
          if (e.message) this.current.note = e.message;
          this.draw(false);
        }
        break;
      case 'step':
        if (this.current) {
          const loss = typeof e.values.loss === 'number' ? ` loss ${e.values.loss.toPrecision(4)}` : '';
          this.current.note = `${e.label}${loss}`;
          this.draw(false);
        }
        break;
      case 'attempt-end':
        if (!e.ok && e.retryInMs !== undefined) {
          this.line(
            `  ${paint(c, '33', '↻')} ${e.ref.stage} attempt ${e.attempt} failed: ${e.error?.message ?? 'error'} — retrying in ${formatDuration(e.retryInMs)}`,
          );
        }
        break;
      case 'warning':
        this.line(`  ${paint(c, '33', '⚠')} ${e.ref ? `${e.ref.stage}: ` : ''}${e.message}`);
        break;
      case 'log':
        this.line(paint(c, '2', `    ${e.ref ? `${e.ref.stage}: ` : ''}${e.message}`));
        break;
      case 'stage-end': {
        this.current = undefined;
        const retried = e.attempts > 1 ? ` · ${e.attempts} attempts` : '';
        this.line(
          `  ${paint(c, '32', '✓')} ${e.ref.stage.padEnd(18)} ${formatDuration(e.durationMs).padStart(8)}  ${formatRows(e.rowsIn)} → ${formatRows(e.rowsOut)} rows${retried}`,
        );
        break;
      }
      case 'stage-error':
        this.current = undefined;
        this.line(`  ${paint(c, '31', '✗')} ${e.ref.stage.padEnd(18)} ${formatDuration(e.durationMs).padStart(8)}  ${e.error.message}`);
        break;
      case 'run-end': {
        const glyph = e.status === 'ok' ? paint(c, '32', '✓') : paint(c, '31', '✗');
        const v = e.version !== undefined ? ` · version ${e.version}` : '';
        this.line(`${glyph} ${e.status} in ${formatDuration(e.durationMs)}${v}`);
        break;
      }
      default:
        break;
    }
  }

  private line(s: string): void {
    this.clearLive();
    this.o.write(s + '\n');
  }

  private clearLive(): void {
    if (this.live) {
      this.o.write('\r\x1b[2K');
      this.live = false;
    }
  }

  /** Redraws the live line at most every 50 ms so a chatty stage cannot flood the terminal. */
  private draw(force: boolean): void {
    if (!this.o.tty || !this.current) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    const { ref, fraction, note } = this.current;
    // Stay out of the last column: a line that reaches it wraps on many terminals, and the
    // next '\r' + clear would then wipe only the wrapped tail, leaving the rest on screen.
    const width = (this.o.columns !== undefined && this.o.columns > 0 ? this.o.columns : DEFAULT_COLUMNS) - 1;
    // Stage names line up in a column, unless the terminal is too narrow to spare it.
    const head = `  ${paint(this.o.color, '36', '…')} ${width >= 60 ? ref.stage.padEnd(18) : ref.stage} `;
    const percent = `${String(Math.round(fraction * 100)).padStart(3)}% `;
    // The bar gives way first on a narrow terminal, so the stage, percentage and note stay readable.
    const barWidth = Math.min(BAR_WIDTH, width - visibleLength(head) - percent.length - MIN_NOTE);
    const filled = Math.round(fraction * barWidth);
    const bar = barWidth >= 6 ? '█'.repeat(filled) + '░'.repeat(barWidth - filled) + ' ' : '';
    this.o.write('\r\x1b[2K' + fitWidth(head + bar + percent + oneLine(note), width));
    this.live = true;
  }
}

/** Width assumed when the terminal does not say (columns 0 or undefined). */
const DEFAULT_COLUMNS = 80;
const BAR_WIDTH = 24;
/** Columns kept for the note (epoch, loss, the stage's message) before the bar shrinks. */
const MIN_NOTE = 16;
/** An ANSI escape sequence (colours): printed, but takes no column. */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/y;

/** A stage's message on the live line: line breaks and other control characters would break it. */
function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ');
}

/** Columns `s` takes on a terminal: its characters without the escape sequences. */
export function visibleLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    ANSI.lastIndex = i;
    if (ANSI.test(s)) {
      i = ANSI.lastIndex;
      continue;
    }
    const cp = s.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    n++;
  }
  return n;
}

/**
 * `s` cut to `width` visible characters (ending in '…' when cut). Escape sequences are
 * kept whole and not counted, and a colour left open by the cut is reset.
 */
export function fitWidth(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  let out = '';
  let n = 0;
  let styled = false;
  for (let i = 0; i < s.length && n < width - 1; ) {
    ANSI.lastIndex = i;
    if (ANSI.test(s)) {
      out += s.slice(i, ANSI.lastIndex);
      styled = true;
      i = ANSI.lastIndex;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    out += s.slice(i, i + len);
    i += len;
    n++;
  }
  return out + (width > 0 ? '…' : '') + (styled ? '\x1b[0m' : '');
}

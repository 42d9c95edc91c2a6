// Shows a run as it happens. On a terminal: one live line with a progress bar for the
// running stage, replaced by a result line when it ends. When piped: only result lines,
// so CI logs stay readable. Writes to stderr, keeping stdout for --out/--json data.
import type { EngineEvent, StageRef } from '../engine/events';
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
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const text = `  ${paint(this.o.color, '36', '…')} ${ref.stage.padEnd(18)} ${bar} ${String(Math.round(fraction * 100)).padStart(3)}% ${note}`;
    const cols = this.o.columns ?? 100;
    this.o.write('\r\x1b[2K' + (text.length > cols + 20 ? text.slice(0, cols + 20) : text));
    this.live = true;
  }
}

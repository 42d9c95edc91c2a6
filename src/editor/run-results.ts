// The inline result after each stage line, built from engine events as a run goes:
//   ✓ 120 ms · 10,000 → 9,812 rows      ✗ error message      ⋯ running      ↻ retry 2 in 1.0 s
// Pure: events in, { file, line → text } out. The VS Code glue draws them.
import type { EngineEvent } from '../../runtime/engine/events';
import { formatDuration, formatRows } from '../../runtime/monitor/trace';

export type ResultKind = 'ok' | 'error' | 'running' | 'retry';

export interface StageResult {
  /** 1-based line of the stage in its file, as in StageRef. */
  line: number;
  stage: string;
  kind: ResultKind;
  text: string;
}

const MAX_MESSAGE = 80;

function short(message: string): string {
  const first = message.split('\n')[0].trim();
  return first.length > MAX_MESSAGE ? `${first.slice(0, MAX_MESSAGE - 1)}…` : first;
}

export function okText(e: { durationMs: number; rowsIn: number; rowsOut: number; attempts: number }): string {
  const rows = e.rowsIn === e.rowsOut ? `${formatRows(e.rowsOut)} rows` : `${formatRows(e.rowsIn)} → ${formatRows(e.rowsOut)} rows`;
  const tries = e.attempts > 1 ? ` · ${e.attempts} attempts` : '';
  return `✓ ${formatDuration(e.durationMs)} · ${rows}${tries}`;
}

/** Results of the latest run of each file: a pipeline file, or a sub-pipeline file it includes. */
export class RunResults {
  private readonly byFile = new Map<string, Map<number, StageResult>>();
  /** For each running run: its pipeline file, and every file it has drawn results in. */
  private readonly runs = new Map<string, { file: string; files: Set<string> }>();

  /** Applies one event; returns the files whose results changed (empty when none). */
  apply(e: EngineEvent): string[] {
    if (e.type === 'run-start') {
      this.runs.set(e.runId, { file: e.file, files: new Set([e.file]) });
      this.byFile.set(e.file, new Map());
      return [e.file];
    }
    const run = this.runs.get(e.runId);
    if (!run) return [];
    // A sub-pipeline's stage has its line in its own file (ref.file): its result is drawn
    // there, and a run's first result in a file replaces what an earlier run left in it.
    const set = (ref: { line: number; stage: string; file?: string }, kind: ResultKind, text: string): string[] => {
      const file = ref.file ?? run.file;
      let results = this.byFile.get(file);
      if (!run.files.has(file) || !results) {
        run.files.add(file);
        this.byFile.set(file, (results = new Map()));
      }
      results.set(ref.line, { line: ref.line, stage: ref.stage, kind, text });
      return [file];
    };
    switch (e.type) {
      case 'stage-start':
        return set(e.ref, 'running', '⋯ running');
      case 'progress':
        return set(e.ref, 'running', `⋯ ${Math.round(e.fraction * 100)}%${e.message ? ` ${short(e.message)}` : ''}`);
      case 'attempt-end':
        if (e.ok || e.retryInMs === undefined) return [];
        return set(e.ref, 'retry', `↻ attempt ${e.attempt} failed (${short(e.error?.message ?? 'error')}), retry in ${formatDuration(e.retryInMs)}`);
      case 'stage-end':
        return set(e.ref, 'ok', okText(e));
      case 'stage-error':
        return set(e.ref, 'error', `✗ ${short(e.error.message)}${e.attempts > 1 ? ` (after ${e.attempts} attempts)` : ''}`);
      case 'run-end': {
        this.runs.delete(e.runId);
        // A stage still shown as running was cut short by a failure elsewhere or a cancel.
        const text = `✗ ${e.status === 'cancelled' ? 'cancelled' : 'did not finish'}`;
        for (const file of run.files) {
          for (const r of this.byFile.get(file)?.values() ?? []) if (r.kind === 'running') Object.assign(r, { kind: 'error' as const, text });
        }
        return [...run.files];
      }
      default:
        return [];
    }
  }

  resultsFor(file: string): StageResult[] {
    return [...(this.byFile.get(file)?.values() ?? [])].sort((a, b) => a.line - b.line);
  }

  clear(file: string): void {
    this.byFile.delete(file);
  }
}

// The inline result after each stage line, built from engine events as a run goes:
//   ✓ 120 ms · 10,000 → 9,812 rows      ✗ error message      ⋯ running      ↻ retry 2 in 1.0 s
// Pure: events in, { file, line → text } out. The VS Code glue draws them.
import type { EngineEvent } from '../../runtime/engine/events';
import { formatDuration, formatRows } from '../../runtime/monitor/trace';

export type ResultKind = 'ok' | 'error' | 'running' | 'retry';

export interface StageResult {
  /** 1-based line of the stage in the pipeline file, as in StageRef. */
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

/** Stage names cannot contain '/': one that does came from a sub-pipeline. */
function isSubPipelineStage(name: string): boolean {
  return name.includes('/');
}

/** Results of the latest run of each pipeline file. */
export class RunResults {
  private readonly byFile = new Map<string, Map<number, StageResult>>();
  private readonly fileOfRun = new Map<string, string>();

  /** Applies one event; returns the file whose results changed, if any. */
  apply(e: EngineEvent): string | undefined {
    if (e.type === 'run-start') {
      this.fileOfRun.set(e.runId, e.file);
      this.byFile.set(e.file, new Map());
      return e.file;
    }
    const file = this.fileOfRun.get(e.runId);
    const results = file === undefined ? undefined : this.byFile.get(file);
    if (!file || !results) return undefined;
    // A sub-pipeline's stages (full names like `prep/impute`) have lines in their own file,
    // which the events do not name: they are not drawn on the pipeline file's lines.
    const set = (line: number, stage: string, kind: ResultKind, text: string) => {
      if (!isSubPipelineStage(stage)) results.set(line, { line, stage, kind, text });
    };
    switch (e.type) {
      case 'stage-start':
        set(e.ref.line, e.ref.stage, 'running', '⋯ running');
        return file;
      case 'progress':
        set(e.ref.line, e.ref.stage, 'running', `⋯ ${Math.round(e.fraction * 100)}%${e.message ? ` ${short(e.message)}` : ''}`);
        return file;
      case 'attempt-end':
        if (e.ok || e.retryInMs === undefined) return undefined;
        set(e.ref.line, e.ref.stage, 'retry', `↻ attempt ${e.attempt} failed (${short(e.error?.message ?? 'error')}), retry in ${formatDuration(e.retryInMs)}`);
        return file;
      case 'stage-end':
        set(e.ref.line, e.ref.stage, 'ok', okText(e));
        return file;
      case 'stage-error':
        set(e.ref.line, e.ref.stage, 'error', `✗ ${short(e.error.message)}${e.attempts > 1 ? ` (after ${e.attempts} attempts)` : ''}`);
        return file;
      case 'run-end':
        this.fileOfRun.delete(e.runId);
        // A stage still shown as running was cut short by a failure elsewhere or a cancel.
        for (const r of results.values()) if (r.kind === 'running') set(r.line, r.stage, 'error', `✗ ${e.status === 'cancelled' ? 'cancelled' : 'did not finish'}`);
        return file;
      default:
        return undefined;
    }
  }

  resultsFor(file: string): StageResult[] {
    return [...(this.byFile.get(file)?.values() ?? [])].sort((a, b) => a.line - b.line);
  }

  clear(file: string): void {
    this.byFile.delete(file);
  }
}

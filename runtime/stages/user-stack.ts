// The part of an error's stack that belongs to a user stage module: the frames above the
// first frame of Plumb's own code (the engine that called the stage). User modules are
// compiled with inline source maps (user.ts), so these frames name the stage's own `.ts`
// lines. `plumb run`, its `--json` and `plumb trace` show them; the run record keeps the
// whole stack.
import * as path from 'node:path';

/** Plumb's own code: the bundle's folder (dist/), or runtime/ when running from sources. */
const OWN_DIR = __filename.endsWith('.ts') ? path.resolve(__dirname, '..') : __dirname;

const FRAME_FILE = /\(?((?:[A-Za-z]:)?[^()\s][^()]*?):(\d+):(\d+)\)?$/;

/** The file, line and column a stack frame line ("at f (/a/b.ts:7:11)") points at. */
function frameWhere(frame: string): { file: string; line: number; col: number } | undefined {
  const m = FRAME_FILE.exec(frame);
  return m ? { file: m[1], line: Number(m[2]), col: Number(m[3]) } : undefined;
}

function isOwn(file: string): boolean {
  return file.startsWith(OWN_DIR + path.sep);
}

/** The stage's frames ("at check (/p/stages/x.ts:7:11)"), top first; [] when none are known. */
export function stageFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  const frames: string[] = [];
  for (const raw of stack.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('at ')) continue;
    const where = frameWhere(line);
    if (where && isOwn(where.file)) break;
    frames.push(line);
  }
  return frames;
}

/**
 * `file:line:col` of the stage's own code where it failed: the top frame outside node's
 * internals and node_modules (a library the stage called is not where to look first).
 */
export function stageLocation(frames: readonly string[]): string | undefined {
  let fallback: string | undefined;
  for (const f of frames) {
    const where = frameWhere(f);
    if (!where || where.file.startsWith('node:')) continue;
    const at = `${where.file}:${where.line}:${where.col}`;
    if (!where.file.split(/[\\/]/).includes('node_modules')) return at;
    fallback ??= at;
  }
  return fallback;
}

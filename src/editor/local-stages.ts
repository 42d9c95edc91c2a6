// Stage modules beside a pipeline file: *.ts / *.js (and .mts/.cts/.mjs/.cjs) under its
// folder, offered as `./relative/path` after `uses:`. Their summary and `with:` schema
// come from loading them with the runtime's own loader; one that fails to load is still
// offered, with the load error as its summary.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadUserStage, USER_STAGE_EXTENSIONS } from '../../runtime/stages/user';
import { stageInfo, type StageInfo } from './catalog';

const SKIP = new Set(['node_modules', '.plumb', '.git', 'out', 'dist']);
const MAX_FILES = 200;

/** Stage module files under `dir` (bounded depth and count), as `./a/b.ts` paths. */
export async function findStageModules(dir: string, depth = 3): Promise<string[]> {
  const found: string[] = [];
  async function walk(sub: string, level: number): Promise<void> {
    if (found.length >= MAX_FILES) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(dir, sub), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || SKIP.has(e.name)) continue;
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory() && level < depth) await walk(rel, level + 1);
      else if (e.isFile() && USER_STAGE_EXTENSIONS.includes(path.extname(e.name)) && !e.name.endsWith('.d.ts') && !/\.(test|spec)\./.test(e.name)) {
        found.push(`./${rel}`);
      }
    }
  }
  await walk('', 0);
  return found;
}

export async function localStageInfos(dir: string): Promise<StageInfo[]> {
  const files = await findStageModules(dir);
  return Promise.all(
    files.map(async (rel) => {
      try {
        const def = await loadUserStage(path.join(dir, rel));
        return stageInfo(rel, def, false);
      } catch (e) {
        return { uses: rel, summary: `(could not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, kind: 'module', builtin: false, params: [] };
      }
    }),
  );
}

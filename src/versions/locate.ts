// Pipeline files → (pipeline name, store folder), read from the file's text alone (no
// stage loading), so the tree can be filled in any workspace, trusted or not.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isSubPipelineRef } from '../../runtime/spec/include';
import { interpolateString } from '../../runtime/spec/interpolate';
import { parsePipelineText } from '../../runtime/spec/parse';
import { outlinePipeline } from '../editor/outline';

export interface PipelineLocation {
  name: string;
  /** Absolute store root. */
  store: string;
  /** Pipeline files that write to this pipeline name in this store. */
  files: string[];
  /** Every file is a sub-pipeline some other located file includes (`uses: ./x.pipeline.yaml`). */
  includedOnly?: boolean;
}

/**
 * Groups files by (store, name). `storeSetting` (the `plumb.store` setting, relative to
 * `baseDir`) overrides the store of every pipeline, as it does for runs.
 */
export async function locatePipelines(files: string[], opts: { storeSetting?: string; baseDir?: string } = {}): Promise<PipelineLocation[]> {
  const byKey = new Map<string, PipelineLocation>();
  const included = new Set<string>();
  for (const file of [...files].sort()) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      continue;
    }
    const outline = outlinePipeline(text);
    const dir = path.dirname(file);
    for (const st of outline.stages) if (st.uses && isSubPipelineRef(st.uses)) included.add(path.resolve(dir, st.uses));
    if (!outline.name) continue;
    const store = opts.storeSetting
      ? path.resolve(opts.baseDir ?? dir, opts.storeSetting)
      : path.resolve(dir, outline.store === undefined ? '.plumb' : storeAsRun(text, outline.store));
    const key = `${store}\0${outline.name}`;
    const loc = byKey.get(key) ?? { name: outline.name, store, files: [] };
    loc.files.push(file);
    byKey.set(key, loc);
  }
  for (const loc of byKey.values()) if (loc.files.every((f) => included.has(path.resolve(f)))) loc.includedOnly = true;
  return [...byKey.values()].sort((a, b) => a.name.localeCompare(b.name) || a.store.localeCompare(b.store));
}

/**
 * `store:` as a run reads it: `${params.x}` resolved against the file's own params (the
 * runtime interpolates it), else the tree would list and watch a folder nothing writes to.
 */
function storeAsRun(text: string, raw: string): string {
  if (!raw.includes('${')) return raw;
  try {
    const params = (parsePipelineText('', text).doc.toJS() as { params?: unknown } | null)?.params;
    const r = interpolateString(raw, params !== null && typeof params === 'object' ? (params as Record<string, unknown>) : {});
    return typeof r.value === 'string' && r.problems.length === 0 ? r.value : raw;
  } catch {
    return raw; // a file the runtime refuses too; the tree then says the store has no versions
  }
}

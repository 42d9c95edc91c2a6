// What differs between two pinned spec-and-code records: a version and the working copy
// (`--working-copy` inference reports it), or two versions (`plumb versions diff`).
// Stages are matched by their full name; a module's change is told per source file, with
// the sha256 before and after, and names the stages that use it.

import { canonicalJson } from '../store/canonical';
import { SECTIONS, type Json, type Section } from '../vocabulary';
import type { PinnedCode, PinnedModule } from './pinned-spec';

export interface CodeChange {
  kind: 'code' | 'added' | 'removed' | 'uses' | 'with' | 'params' | 'target';
  /** The stage's full name (`prep/scale`), for stage changes. */
  stage?: string;
  /** The source file that changed (kind 'code'), relative to the pipeline file's folder. */
  file?: string;
  /** sha256 of the file (kind 'code'), `uses:`, or the JSON text of `with:` / a param. */
  from?: string;
  to?: string;
  /** One line a person reads. */
  message: string;
}

interface StageJson {
  name: string;
  uses: string;
  section: Section;
  with?: Json;
  module?: string;
}

const short = (hash: string | undefined): string => (hash ? hash.slice(0, 12) : 'none');

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function stagesOf(doc: PinnedCode, sections: readonly Section[]): Map<string, StageJson> {
  const spec = doc.spec as Record<string, Json>;
  const out = new Map<string, StageJson>();
  for (const section of SECTIONS) {
    if (!sections.includes(section)) continue;
    const list = spec[section];
    if (Array.isArray(list)) for (const s of list as unknown as StageJson[]) out.set(s.name, s);
  }
  return out;
}

/**
 * What changed from `a` to `b` in the stages of `sections` (default: all): stages added or
 * removed, `uses:` and `with:` changes, user module code per source file, params and target.
 */
export function compareCode(a: PinnedCode, b: PinnedCode, sections: readonly Section[] = SECTIONS): CodeChange[] {
  const changes: CodeChange[] = [];
  const sa = stagesOf(a, sections);
  const sb = stagesOf(b, sections);
  const modsA = new Map(a.modules.map((m) => [m.path, m]));
  const modsB = new Map(b.modules.map((m) => [m.path, m]));
  // Module path → the stages (in both) that use it, so a shared module is reported once.
  const users = new Map<string, string[]>();

  for (const [name, x] of sa) {
    const y = sb.get(name);
    if (!y) {
      changes.push({ kind: 'removed', stage: name, from: x.uses, message: `stage '${name}' (${x.section}, ${x.uses}) removed` });
      continue;
    }
    if (x.uses !== y.uses) {
      changes.push({ kind: 'uses', stage: name, from: x.uses, to: y.uses, message: `stage '${name}': uses ${x.uses} → ${y.uses}` });
    } else if (x.module && y.module) {
      users.set(x.module, [...(users.get(x.module) ?? []), name]);
    }
    const wa = canonicalJson(x.with ?? {});
    const wb = canonicalJson(y.with ?? {});
    if (wa !== wb) {
      changes.push({ kind: 'with', stage: name, from: wa, to: wb, message: `stage '${name}': with: ${clip(wa)} → ${clip(wb)}` });
    }
  }
  for (const [name, y] of sb) {
    if (!sa.has(name)) changes.push({ kind: 'added', stage: name, to: y.uses, message: `stage '${name}' (${y.section}, ${y.uses}) added` });
  }

  for (const [module, stages] of users) {
    const ma = modsA.get(module);
    const mb = modsB.get(module);
    if (!ma || !mb || ma.bundle === mb.bundle) continue;
    changes.push(...moduleChanges(module, stages, ma, mb));
  }

  const pa = (a.spec as Record<string, Json>).params;
  const pb = (b.spec as Record<string, Json>).params;
  const paramsA = pa && typeof pa === 'object' && !Array.isArray(pa) ? pa : {};
  const paramsB = pb && typeof pb === 'object' && !Array.isArray(pb) ? pb : {};
  for (const key of [...new Set([...Object.keys(paramsA), ...Object.keys(paramsB)])].sort()) {
    const from = Object.hasOwn(paramsA, key) ? canonicalJson(paramsA[key]) : undefined;
    const to = Object.hasOwn(paramsB, key) ? canonicalJson(paramsB[key]) : undefined;
    if (from === to) continue;
    changes.push({ kind: 'params', from, to, message: `params.${key}: ${clip(from ?? '(none)', 40)} → ${clip(to ?? '(none)', 40)}` });
  }
  const ta = (a.spec as Record<string, Json>).target ?? null;
  const tb = (b.spec as Record<string, Json>).target ?? null;
  if (ta !== tb) changes.push({ kind: 'target', from: String(ta), to: String(tb), message: `target: ${String(ta)} → ${String(tb)}` });
  return changes;
}

function moduleChanges(module: string, stages: string[], a: PinnedModule, b: PinnedModule): CodeChange[] {
  const who = stages.map((s) => `'${s}'`).join(', ');
  const label = `stage${stages.length > 1 ? 's' : ''} ${who} (${module})`;
  const out: CodeChange[] = [];
  const srcA = new Map(a.sources.map((s) => [s.path, s.sha256]));
  const srcB = new Map(b.sources.map((s) => [s.path, s.sha256]));
  for (const file of [...new Set([...srcA.keys(), ...srcB.keys()])].sort()) {
    const from = srcA.get(file);
    const to = srcB.get(file);
    if (from === to) continue;
    const what = from === undefined ? 'now compiled in' : to === undefined ? 'no longer compiled in' : 'changed';
    for (const stage of stages) out.push({ kind: 'code', stage, file, from, to, message: `${label}: ${file} ${what} (sha256 ${short(from)} → ${short(to)})` });
  }
  if (out.length === 0) {
    // Same sources, different output: the compiler (esbuild) changed, not the user's code.
    for (const stage of stages) {
      out.push({
        kind: 'code',
        stage,
        file: module,
        from: a.bundle,
        to: b.bundle,
        message: `${label}: compiled bundle ${short(a.bundle)} → ${short(b.bundle)} from the same sources (a different esbuild)`,
      });
    }
  }
  // One line per file, not per stage: several stages sharing a module report it once.
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.message) ? false : (seen.add(c.message), true)));
}

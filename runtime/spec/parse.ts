// YAML text → yaml Document with source ranges, plus syntax diagnostics.
//
// `${params.x}` is not valid YAML inside flow collections (`{ test: ${params.x} }`:
// braces are flow indicators), yet that is the most natural way to write a stage's
// `with:`. So before parsing, every one-line `${...}` is swapped for a same-length
// placeholder made of private-use characters (plain-scalar safe), and swapped back in
// every scalar afterwards. Same length means every offset, line and column is unchanged.

import { isAlias, isCollection, isPair, LineCounter, parseDocument, Scalar, visit, type Alias, type Document, type Node as YamlNode } from 'yaml';
import type { Diagnostic } from '../errors';
import { offsetRange } from './positions';

const OPEN = '\uE000\uE001';
const CLOSE = '\uE002';
const PROTECTED = /\uE000\uE001([^\uE002]*)\uE002/g;

function protect(text: string): string {
  return text.replace(/\$\{([^}\n\r]*)\}/g, (_, inner: string) => `${OPEN}${inner}${CLOSE}`);
}

export function restore(text: string): string {
  return text.replace(PROTECTED, (_, inner: string) => `\${${inner}}`);
}

export interface ParsedPipeline {
  doc: Document.Parsed;
  lc: LineCounter;
  diagnostics: Diagnostic[];
}

export function parsePipelineText(file: string, text: string): ParsedPipeline {
  const lc = new LineCounter();
  // uniqueKeys: false — duplicate keys are reported by the validator, with both lines.
  // logLevel 'error': yaml's own warnings (e.g. map keys that are collections) would go to
  // the process's stderr; problems are reported as diagnostics instead.
  const doc = parseDocument(protect(text), {
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: false,
    keepSourceTokens: true,
    logLevel: 'error',
  });
  const diagnostics: Diagnostic[] = [];
  // Every later pass walks the tree (yaml's own visitor costs depth² per walk), so cut
  // absurdly deep nesting off first; no pipeline file needs it.
  const tooDeep = limitDepth(doc);
  if (tooDeep) {
    diagnostics.push({ file, range: offsetRange(lc, tooDeep[0], tooDeep[1]), message: `values are nested more than ${MAX_DEPTH} levels deep; a pipeline file needs far fewer`, severity: 'error', code: 'yaml-depth' });
  }
  // Aliases are expanded below (and walked by every check after), so a "billion laughs"
  // file — anchors of aliases of anchors — would take forever. Resolve each alias once
  // (yaml's own Alias.resolve walks the whole document per call), measure, then expand.
  const targets = aliasTargets(doc);
  const bomb = aliasProblem(doc, targets);
  if (bomb) {
    diagnostics.push({ file, range: offsetRange(lc, bomb.at[0], bomb.at[1]), message: bomb.message, severity: 'error', code: 'yaml-aliases' });
  }
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && node.value.includes(OPEN)) node.value = restore(node.value);
    },
    // `with: *defaults` reads like writing the anchored node there; checks then point at
    // the anchor's text, which is where a fix goes. An alias yaml could not resolve (it
    // reported that) or one that must not be expanded becomes a null at the same place.
    Alias(_, node) {
      const target = bomb ? undefined : targets.get(node);
      return target ?? Object.assign(new Scalar(null), { range: node.range });
    },
  });
  for (const [list, severity] of [
    [doc.errors, 'error'],
    [doc.warnings, 'warning'],
  ] as const) {
    for (const e of list) {
      diagnostics.push({
        file,
        range: offsetRange(lc, e.pos[0], e.pos[1]),
        message: `YAML ${severity === 'error' ? 'syntax error' : 'warning'}: ${friendly(e.code, restore(e.message))}`,
        severity,
        code: severity === 'error' ? 'yaml-syntax' : 'yaml-warning',
      });
    }
  }
  return { doc, lc, diagnostics };
}

export const MAX_DEPTH = 64;

/**
 * Replaces every collection nested deeper than MAX_DEPTH with a null scalar (keeping its
 * range) and returns the first one's offsets. Iterative, so depth cannot overflow the stack.
 */
function limitDepth(doc: Document.Parsed): [number, number] | undefined {
  let first: [number, number] | undefined;
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  const cut = (node: YamlNode): Scalar => {
    first ??= [node.range?.[0] ?? 0, node.range?.[1] ?? 0];
    return Object.assign(new Scalar(null), { range: node.range });
  };
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (!isCollection(node)) continue;
    const items = (node as { items: unknown[] }).items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (isPair(item)) {
        for (const side of ['key', 'value'] as const) {
          const v = item[side];
          if (isCollection(v)) {
            if (depth + 1 >= MAX_DEPTH) item[side] = cut(v as YamlNode);
            else stack.push({ node: v, depth: depth + 1 });
          }
        }
      } else if (isCollection(item)) {
        if (depth + 1 >= MAX_DEPTH) items[i] = cut(item as YamlNode);
        else stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  return first;
}

/** A pipeline file is small; these bound what its aliases may expand to. */
export const MAX_ALIASES = 1000;
export const MAX_EXPANDED_NODES = 100_000;

/** Each alias → the node it names (the nearest anchor before it), in one walk. */
function aliasTargets(doc: Document.Parsed): Map<Alias, YamlNode | undefined> {
  const anchors = new Map<string, YamlNode>();
  const targets = new Map<Alias, YamlNode | undefined>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return targets;
}

/** Why the document's aliases must not be expanded (too many, too big, circular), or undefined. */
function aliasProblem(doc: Document.Parsed, targets: Map<Alias, YamlNode | undefined>): { message: string; at: [number, number] } | undefined {
  if (targets.size === 0) return undefined;
  const firstAlias = targets.keys().next().value as Alias;
  const at: [number, number] = [firstAlias.range?.[0] ?? 0, firstAlias.range?.[1] ?? 0];
  if (targets.size > MAX_ALIASES) {
    return { at, message: `too many YAML aliases (${targets.size}; at most ${MAX_ALIASES} in a pipeline file)` };
  }
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  let circular = false;
  const LIMIT = MAX_EXPANDED_NODES + 1;
  // Values after expanding every alias, saturating at the limit; memoised so shared
  // anchors are measured once. Recursion depth is bounded by limitDepth and MAX_ALIASES.
  const size = (node: unknown): number => {
    if (isAlias(node)) node = targets.get(node);
    if (node === null || typeof node !== 'object') return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) {
      circular = true;
      return LIMIT;
    }
    open.add(node);
    let total = 1;
    if (isPair(node)) total = Math.min(LIMIT, 1 + size(node.key) + size(node.value));
    else if (isCollection(node)) for (const item of (node as { items: unknown[] }).items) total = Math.min(total + size(item), LIMIT);
    open.delete(node);
    sizes.set(node, total);
    return total;
  };
  const total = size(doc.contents);
  if (circular) return { at, message: 'a YAML alias refers to the anchor it is inside (a circular structure)' };
  if (total > MAX_EXPANDED_NODES) {
    return { at, message: `YAML aliases expand this file to more than ${MAX_EXPANDED_NODES.toLocaleString('en')} values (an "alias bomb"); write the values out or use fewer aliases` };
  }
  return undefined;
}

function friendly(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return "a pipeline file holds one YAML document; remove the extra '---'";
  return message;
}

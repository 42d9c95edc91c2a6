// YAML text → yaml Document with source ranges, plus syntax diagnostics.
//
// `${params.x}` is not valid YAML inside flow collections (`{ test: ${params.x} }`:
// braces are flow indicators), yet that is the most natural way to write a stage's
// `with:`. So before parsing, every one-line `${...}` is swapped for a same-length
// placeholder made of private-use characters (plain-scalar safe), and swapped back in
// every scalar afterwards. Same length means every offset, line and column is unchanged.

import { isAlias, isCollection, isPair, LineCounter, parseDocument, Scalar, visit, type Document, type Node as YamlNode } from 'yaml';
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
  // file — anchors of aliases of anchors — would take forever. Measure first.
  const bomb = aliasProblem(doc);
  if (bomb) {
    diagnostics.push({ file, range: offsetRange(lc, bomb.at[0], bomb.at[1]), message: bomb.message, severity: 'error', code: 'yaml-aliases' });
    visit(doc, { Alias: (_, node) => Object.assign(new Scalar(null), { range: node.range }) });
  }
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && node.value.includes(OPEN)) node.value = restore(node.value);
    },
    // `with: *defaults` reads like writing the anchored node there; checks then point at
    // the anchor's text, which is where a fix goes.
    Alias(_, node) {
      const target = node.resolve(doc);
      return target ?? undefined;
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

/** Why the document's aliases must not be expanded (too many, too big, circular), or undefined. */
function aliasProblem(doc: Document.Parsed): { message: string; at: [number, number] } | undefined {
  let aliases = 0;
  let first: [number, number] | undefined;
  visit(doc, {
    Alias(_, node) {
      aliases++;
      first ??= [node.range?.[0] ?? 0, node.range?.[1] ?? 0];
    },
  });
  if (!first) return undefined;
  if (aliases > MAX_ALIASES) {
    return { at: first, message: `too many YAML aliases (${aliases}; at most ${MAX_ALIASES} in a pipeline file)` };
  }
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  let circular = false;
  // Nodes after expanding every alias, saturating at the limit; memoised so shared
  // anchors are measured once.
  const size = (node: unknown): number => {
    if (isAlias(node)) node = node.resolve(doc);
    if (node === null || typeof node !== 'object') return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) {
      circular = true;
      return MAX_EXPANDED_NODES + 1;
    }
    open.add(node);
    let total = 1;
    if (isPair(node)) total += size(node.key) + size(node.value);
    else if (isCollection(node)) for (const item of (node as { items: unknown[] }).items) total = Math.min(total + size(item), MAX_EXPANDED_NODES + 1);
    open.delete(node);
    total = Math.min(total, MAX_EXPANDED_NODES + 1);
    sizes.set(node, total);
    return total;
  };
  const total = size(doc.contents as YamlNode | null);
  if (circular) return { at: first, message: 'a YAML alias refers to the anchor it is inside (a circular structure)' };
  if (total > MAX_EXPANDED_NODES) {
    return { at: first, message: `YAML aliases expand this file to more than ${MAX_EXPANDED_NODES.toLocaleString('en')} values (an "alias bomb"); write the values out or use fewer aliases` };
  }
  return undefined;
}

function friendly(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return "a pipeline file holds one YAML document; remove the extra '---'";
  return message;
}

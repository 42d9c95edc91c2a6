// YAML text → yaml Document with source ranges, plus syntax diagnostics.
//
// `${params.x}` is not valid YAML inside flow collections (`{ test: ${params.x} }`:
// braces are flow indicators), yet that is the most natural way to write a stage's
// `with:`. So before parsing, every one-line `${...}` is swapped for a same-length
// placeholder made of private-use characters (plain-scalar safe), and swapped back in
// every scalar afterwards. Same length means every offset, line and column is unchanged.

import { LineCounter, parseDocument, visit, type Document } from 'yaml';
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
  const diagnostics: Diagnostic[] = [];
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

function friendly(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return "a pipeline file holds one YAML document; remove the extra '---'";
  return message;
}

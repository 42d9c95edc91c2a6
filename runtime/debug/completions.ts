// Completions in the debug console and watch: the stop's names at the top level, and the
// properties (or column names) of whatever stands before a dot or an open bracket.
import type { CompletionItem } from './protocol';
import type { ExpressionContext } from './expressions';

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * `text` is what is typed, `column` the 1-based cursor position in it (as DAP sends it).
 * Replacement ranges (`start`, `length`) are 0-based offsets in `text`.
 */
export function complete(ctx: ExpressionContext, text: string, column: number): CompletionItem[] {
  const upto = text.slice(0, Math.max(0, Math.min(text.length, column - 1)));
  // `obj.pre` or `obj['pre` or `obj["pre`
  const member = /((?:[A-Za-z_$][\w$]*)(?:\.[A-Za-z_$][\w$]*|\[(?:\d+|'[^']*'|"[^"]*")\])*)(\.([\w$]*)|\[(['"]?)([^'"\]]*))$/.exec(upto);
  if (member) {
    const [, objExpr, , dotPrefix, quote, bracketPrefix] = member;
    const keys = ctx.keysOf(objExpr).filter((k) => !/^\d+$/.test(k));
    const isDot = dotPrefix !== undefined;
    const prefix = (isDot ? dotPrefix : bracketPrefix) ?? '';
    const typedStart = upto.length - prefix.length;
    const items: CompletionItem[] = [];
    for (const k of keys) {
      if (!k.toLowerCase().startsWith(prefix.toLowerCase())) continue;
      if (isDot && !IDENT.test(k)) {
        // Not an identifier: replace the dot too and write a bracket access.
        items.push({ label: `['${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`, type: 'field', detail: k, start: typedStart - 1, length: prefix.length + 1 });
      } else if (!isDot) {
        const q = quote || "'";
        items.push({ label: `${q}${k}${q}]`, type: 'field', detail: k, start: typedStart - (quote ? 1 : 0), length: prefix.length + (quote ? 1 : 0) });
      } else {
        items.push({ label: k, type: 'property', start: typedStart, length: prefix.length });
      }
    }
    return items;
  }
  const word = /([A-Za-z_$][\w$]*)?$/.exec(upto)?.[1] ?? '';
  const start = upto.length - word.length;
  return ctx.globalNames
    .filter((n) => n.toLowerCase().startsWith(word.toLowerCase()))
    .map((n) => ({ label: n, type: 'variable' as const, start, length: word.length }));
}

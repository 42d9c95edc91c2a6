// Completion items from text + cursor + stage catalog. Plain data: the VS Code glue
// (providers.ts) only converts these to vscode.CompletionItem.
import type { ParamInfo, StageCatalog, StageInfo } from './catalog';
import { cursorContext } from './cursor-context';

export interface Completion {
  label: string;
  kind: 'stage' | 'module' | 'property' | 'value';
  detail?: string;
  /** Markdown. */
  documentation?: string;
  insertText: string;
  /** Replace [start, cursor) on the cursor's line. */
  start: number;
  sortText?: string;
}

export function formatDefault(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One markdown line per param: name, type, default, required, description. */
export function paramTable(params: ParamInfo[]): string {
  if (params.length === 0) return '_No parameters._';
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = params.map(
    (p) =>
      `| \`${p.name}\`${p.required ? ' *' : ''} | ${esc(p.type ?? '')}${p.enum ? ` (${p.enum.map(formatDefault).join(', ')})` : ''} | ${p.default === undefined ? '' : `\`${esc(formatDefault(p.default))}\``} | ${esc(p.description ?? '')} |`,
  );
  return ['| param | type | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function stageDoc(s: StageInfo): string {
  const kind = s.builtin ? `built-in ${s.kind} stage` : s.kind === 'sub-pipeline' ? 'sub-pipeline' : 'stage module';
  if (s.loaded === false) return `**${s.uses}** — ${kind}\n\nNot loaded yet: its summary and parameters show once a stage uses it.`;
  return `**${s.uses}** — ${kind}\n\n${s.summary}\n\n${paramTable(s.params)}`;
}

export function paramDoc(stage: string, p: ParamInfo): string {
  const parts = [`**${p.name}**${p.type ? `: \`${p.type}\`` : ''}${p.required ? ' (required)' : ''} — \`${stage}\``];
  if (p.description) parts.push(p.description);
  if (p.enum) parts.push(`One of: ${p.enum.map((v) => `\`${formatDefault(v)}\``).join(', ')}`);
  if (p.default !== undefined) parts.push(`Default: \`${formatDefault(p.default)}\``);
  return parts.join('\n\n');
}

export function completionsAt(text: string, line: number, character: number, catalog: StageCatalog): Completion[] {
  const ctx = cursorContext(text, line, character);
  switch (ctx.kind) {
    case 'uses':
      return [...catalog.byUses.values()].map((s) => ({
        label: s.uses,
        kind: s.builtin ? 'stage' : 'module',
        detail: s.builtin ? `${s.kind} · ${s.summary}` : s.kind === 'sub-pipeline' ? s.summary : s.loaded === false ? 'module' : `module · ${s.summary}`,
        documentation: stageDoc(s),
        insertText: s.uses,
        start: ctx.start,
        // Built-ins first, then local modules.
        sortText: `${s.builtin ? 0 : 1}${s.uses}`,
      }));
    case 'with-key': {
      const stage = ctx.uses ? catalog.byUses.get(ctx.uses) : undefined;
      if (!stage) return [];
      return stage.params
        .filter((p) => !ctx.present.includes(p.name))
        .map((p) => ({
          label: p.name,
          kind: 'property',
          detail: [p.type, p.default === undefined ? undefined : `default ${formatDefault(p.default)}`].filter(Boolean).join(' · '),
          documentation: paramDoc(stage.uses, p),
          insertText: `${p.name}: `,
          start: ctx.start,
          sortText: `${p.required ? 0 : 1}${p.name}`,
        }));
    }
    case 'with-value': {
      const p = ctx.uses ? catalog.byUses.get(ctx.uses)?.params.find((x) => x.name === ctx.key) : undefined;
      if (!p) return [];
      const values = p.enum ?? (p.type === 'boolean' ? [true, false] : []);
      return values.map((v) => ({
        label: formatDefault(v),
        kind: 'value',
        detail: v === p.default ? 'default' : undefined,
        documentation: p.description,
        insertText: formatDefault(v),
        start: ctx.start,
      }));
    }
    default:
      return [];
  }
}

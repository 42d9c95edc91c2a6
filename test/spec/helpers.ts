// Shared test helpers: a small stage map with known schemas (so expected messages do not
// depend on the built-in stages' wording), temp dirs, and diagnostic formatting.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../../runtime/errors';
import type { ParamSchema, StageDef } from '../../runtime/stages/types';

function transform(type: string, params: ParamSchema): StageDef {
  return { type, kind: 'transform', summary: `${type} stage`, params, run: (t) => t };
}

export const testStages: ReadonlyMap<string, StageDef> = new Map<string, StageDef>([
  ['impute', transform('impute', {
    type: 'object',
    properties: {
      strategy: { type: 'string', enum: ['mean', 'median', 'most-frequent'], description: 'How to fill.' },
      columns: { type: 'array', items: { type: 'string' } },
    },
    additionalProperties: false,
  })],
  ['standard-scale', transform('standard-scale', {
    type: 'object',
    properties: { columns: { type: 'array', items: { type: 'string' } } },
    additionalProperties: false,
  })],
  ['one-hot', transform('one-hot', {
    type: 'object',
    properties: { columns: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    required: ['columns'],
    additionalProperties: false,
  })],
  ['train-test-split', transform('train-test-split', {
    type: 'object',
    properties: {
      test: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      seed: { type: 'integer' },
    },
    additionalProperties: false,
  })],
  ['logistic-regression', transform('logistic-regression', {
    type: 'object',
    properties: {
      epochs: { type: 'integer', minimum: 1 },
      learning_rate: { type: 'number', minimum: 0 },
    },
    additionalProperties: false,
  })],
  ['classification-metrics', transform('classification-metrics', { type: 'object', properties: {}, additionalProperties: false })],
  ['predict', transform('predict', { type: 'object', properties: {}, additionalProperties: false })],
]);

export const FIXTURES = path.join(__dirname, 'fixtures');
export const STAGE_FIXTURES = path.join(__dirname, '..', 'fixtures', 'stages');

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plumb-spec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

/** Copies a fixture into a temp dir (so data-file checks see a controlled folder). */
export function copyFixture(dir: string, name: string): string {
  const to = path.join(dir, name);
  cpSync(path.join(FIXTURES, name), to);
  return to;
}

/** Diagnostics as `name:line:col: message` with the file's directory stripped. */
export function formatted(diags: Diagnostic[]): string[] {
  return diags.map((d) => formatDiagnostic({ ...d, file: path.basename(d.file) }));
}

// The pipeline JSON Schema: structure, agreement with real files, and the committed copy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { pipelineJsonSchema } from '../../runtime/spec/schema';
import { loadPipeline, validatePipeline } from '../../runtime/spec/load';
import { schemaText, SCHEMA_FILE } from '../../scripts/write-schema';
import { parsePipelineText } from '../../runtime/spec/parse';
import { FIXTURES, testStages } from './helpers';

function validator(schema: object) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

// Through Plumb's parser: `${params.x}` inside a flow map `{ ... }` is not plain YAML.
function fixtureData(name: string): unknown {
  const file = path.join(FIXTURES, name);
  const parsed = parsePipelineText(file, readFileSync(file, 'utf8'));
  assert.deepEqual(parsed.diagnostics, []);
  return parsed.doc.toJS();
}

/** Every schema under a `properties` map (at any depth) lacking a description. */
function undocumented(node: unknown, at = '#'): string[] {
  if (node === null || typeof node !== 'object') return [];
  const out: string[] = [];
  const obj = node as Record<string, unknown>;
  if (obj.properties && typeof obj.properties === 'object') {
    for (const [k, v] of Object.entries(obj.properties as Record<string, Record<string, unknown>>)) {
      if (typeof v.description !== 'string' && typeof v.$ref !== 'string') out.push(`${at}/properties/${k}`);
    }
  }
  // allOf holds the if/then that picks a with: schema by uses; nothing there is hovered.
  for (const [k, v] of Object.entries(obj)) if (k !== 'allOf') out.push(...undocumented(v, `${at}/${k}`));
  return out;
}

test('schema: a draft-07 schema that accepts a correct file, ${params.x} included', () => {
  const schema = pipelineJsonSchema(testStages);
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const validate = validator(schema);
  // Parsed, not loaded: `${params.test_size}` is still a string here.
  const good = fixtureData('good.pipeline.yaml') as Record<string, unknown>;
  assert.equal(validate(good), true, JSON.stringify(validate.errors));
});

test('schema: picks the with: schema by uses, and checks retry and names', () => {
  const validate = validator(pipelineJsonSchema(testStages));
  const errorsFor = (doc: unknown) => {
    validate(doc);
    return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
  };
  const stage = (s: Record<string, unknown>) => ({ pipeline: 'p', feature: [{ stage: 's', ...s }] });
  assert.ok(errorsFor(stage({ uses: 'impute', with: { strategy: 'medain' } })).includes('/feature/0/with/strategy enum'));
  assert.ok(errorsFor(stage({ uses: 'impute', with: { colums: ['a'] } })).includes('/feature/0/with additionalProperties'));
  assert.ok(errorsFor(stage({ uses: 'one-hot' , with: {} })).includes('/feature/0/with required'));
  // The same key means something else for another stage: one-hot has no strategy.
  assert.ok(errorsFor(stage({ uses: 'one-hot', with: { columns: ['a'], strategy: 'mean' } })).includes('/feature/0/with additionalProperties'));
  assert.ok(errorsFor(stage({ uses: 'impute', retry: { attempts: 0 } })).some((e) => e.startsWith('/feature/0/retry/attempts')));
  assert.ok(errorsFor(stage({ uses: 'impute', retry: { initial: 'soon' } })).some((e) => e.startsWith('/feature/0/retry/initial')));
  assert.ok(errorsFor(stage({ uses: 'standard-scaler' })).some((e) => e.startsWith('/feature/0/uses')));
  assert.deepEqual(errorsFor(stage({ uses: './stages/x.ts', with: { any: 1 } })), []);
  assert.ok(errorsFor({ pipeline: 'bad name', featur: [] }).includes('/pipeline pattern'));
  assert.ok(errorsFor({ pipeline: 'p', featur: [] }).includes(' additionalProperties'));
  assert.ok(errorsFor({ feature: [] }).includes(' required'));
});

test('schema: an empty retry: is accepted, as the loader takes it as not given', async () => {
  // Found by R3 (test/fault/hostile-pipelines.test.ts): the loader accepted `retry:` left
  // empty while the schema demanded an object.
  const validate = validator(pipelineJsonSchema(testStages));
  const text = 'pipeline: p\nretry:\nfeature:\n  - stage: s\n    uses: impute\n    with: { columns: [a] }\n    retry:\n';
  const doc = parsePipelineText('empty-retry.pipeline.yaml', text).doc.toJS();
  assert.equal(validate(doc), true, JSON.stringify(validate.errors));
  const diagnostics = await validatePipeline(path.join(FIXTURES, 'empty-retry.pipeline.yaml'), { text, stages: testStages, loadModules: false });
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
});

test('schema: every property carries a description for hovers', () => {
  const schema = pipelineJsonSchema(testStages);
  assert.deepEqual(undocumented(schema), []);
  const uses = (schema.definitions as Record<string, { properties: { uses: { anyOf: { const?: string; description: string }[] } } }>).stage
    .properties.uses.anyOf;
  assert.deepEqual(
    uses.filter((u) => u.const).map((u) => [u.const, u.description]),
    [...testStages.values()].sort((a, b) => a.type.localeCompare(b.type)).map((s) => [s.type, s.summary]),
  );
});

// The rest uses the real built-in registry.

test('schema: the committed schemas/pipeline.schema.json is up to date', () => {
  assert.equal(
    readFileSync(SCHEMA_FILE, 'utf8'),
    schemaText(),
    'schemas/pipeline.schema.json is stale: run node --import tsx scripts/write-schema.ts',
  );
});

test('schema: the DESIGN example is valid for the schema and for the loader', async () => {
  const validate = validator(pipelineJsonSchema());
  const doc = fixtureData('design-example.pipeline.yaml');
  assert.equal(validate(doc), true, JSON.stringify(validate.errors));
  const spec = await loadPipeline(path.join(FIXTURES, 'design-example.pipeline.yaml'));
  assert.deepEqual(
    [...spec.feature, ...spec.training, ...spec.inference].map((s) => [s.name, s.nameRange.start.line]),
    [['impute', 6], ['scale', 9], ['encode', 11], ['split', 15], ['fit', 18], ['evaluate', 23], ['predict', 26], ['export', 28]],
  );
  assert.deepEqual(spec.training[0].with, { test: 0.2, seed: 42 });
});

test('schema: the real registry suggests standard-scale for standard-scaler', async () => {
  const diags = await validatePipeline('/virtual/s.pipeline.yaml', {
    text: 'pipeline: s\nfeature:\n  - stage: scale\n    uses: standard-scaler\n',
  });
  assert.deepEqual(diags.map((d) => d.message), ["stage 'scale': unknown stage type 'standard-scaler' (did you mean 'standard-scale'?)"]);
});

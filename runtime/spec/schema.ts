// A draft-07 JSON Schema for *.pipeline.yaml files. The editor uses it for completion
// and hovers (hence a description on everything); it is also committed as
// schemas/pipeline.schema.json (scripts/write-schema.ts) for other YAML tooling.
// The loader's own checks (validate.ts) remain the authority: they see interpolated
// values and give better messages; this schema accepts `${params.x}` wherever a value
// may be written.

import type { StageDef } from '../stages/types';
import { defaultStages, PIPELINE_NAME, STAGE_NAME } from './validate';

type Schema = Record<string, unknown>;

const PARAM_REF: Schema = {
  type: 'string',
  pattern: '^\\$\\{\\s*params\\.[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\s*\\}$',
  description: 'A reference to a pipeline param, replaced by its value: ${params.name}.',
};

/** Also accept a `${params.x}` reference where `schema` is expected. */
function orParamRef(schema: Schema): Schema {
  const out: Schema = { anyOf: [schema, { $ref: '#/definitions/paramRef' }] };
  if (typeof schema.description === 'string') out.description = schema.description;
  return out;
}

const DURATION: Schema = {
  anyOf: [
    { type: 'string', pattern: '^(\\d+(\\.\\d+)?\\s*(ms|s|m|h)\\s*)+$' },
    { type: 'number', minimum: 0 },
  ],
};

function duration(description: string): Schema {
  return orParamRef({ ...DURATION, description });
}

const ERROR_NAMES: Schema = {
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
};

const RETRY: Schema = {
  // null: `retry:` left empty, which the loader takes as not given (like an empty `with:`).
  type: ['object', 'null'],
  description:
    'Retry policy. Keys left out come from the pipeline-wide retry (for a stage) or the defaults: 3 attempts, exponential backoff from 1s, capped at 30s. Empty: as if not given.',
  additionalProperties: false,
  properties: {
    attempts: orParamRef({ type: 'integer', minimum: 1, maximum: 100, description: 'Total tries including the first; 1 means never retry.' }),
    backoff: orParamRef({
      enum: ['immediate', 'fixed', 'exponential'],
      description: 'immediate: retry at once; fixed: wait `initial` every time; exponential: initial × coefficient^n.',
    }),
    initial: duration('Delay before the first retry (fixed: every retry), e.g. 500ms, 1s, 2m.'),
    coefficient: orParamRef({ type: 'number', minimum: 1, description: 'Exponential growth factor per retry (default 2).' }),
    max: duration('Cap on any single delay, e.g. 30s.'),
    jitter: orParamRef({ type: 'number', minimum: 0, maximum: 1, description: 'Random spread as a fraction of the delay: delay × (1 ± jitter).' }),
    timeout: duration('Per-attempt time limit; a slower attempt is cancelled and fails with TimeoutError.'),
    on: { ...ERROR_NAMES, description: 'Error names that are retried, e.g. [TransientError]. Empty or absent: every error not in `never`.' },
    never: { ...ERROR_NAMES, description: 'Error names that are never retried, whatever `on` says.' },
  },
};

function withSchema(def: StageDef): Schema {
  const params = def.params as unknown as Schema;
  const props = (params.properties ?? {}) as Record<string, Schema>;
  return {
    ...params,
    description: `Parameters of ${def.type}: ${def.summary}`,
    properties: Object.fromEntries(
      Object.entries(props).map(([k, v]) => [k, orParamRef({ description: `Parameter '${k}' of ${def.type}.`, ...v })]),
    ),
  };
}

function sectionSchema(description: string): Schema {
  return { type: ['array', 'null'], description, items: { $ref: '#/definitions/stage' } };
}

/** The schema for a whole pipeline file, with one `with:` schema per stage type. */
export function pipelineJsonSchema(stages: ReadonlyMap<string, StageDef> = defaultStages()): Schema {
  const defs = [...stages.values()].sort((a, b) => a.type.localeCompare(b.type));
  const definitions: Record<string, Schema> = {
    paramRef: PARAM_REF,
    retry: RETRY,
  };
  for (const def of defs) definitions[`with-${def.type}`] = withSchema(def);

  const stage: Schema = {
    type: 'object',
    description: 'One stage: a name, what it uses, and its parameters.',
    required: ['stage', 'uses'],
    additionalProperties: false,
    properties: {
      stage: {
        type: 'string',
        pattern: STAGE_NAME.source,
        description: 'The stage name, unique in the file. Breakpoints, run records and the debugger refer to it.',
      },
      uses: {
        description: 'A built-in stage type, the path of a user stage module (starting with ./ or ../), or of a sub-pipeline file (*.pipeline.yaml).',
        anyOf: [
          ...defs.map((d) => ({ const: d.type, description: d.summary })),
          {
            type: 'string',
            pattern: '^(\\.{1,2}/|/).+\\.(ts|mts|cts|js|mjs|cjs)$',
            description: 'A user stage module: a function (input, ctx) => table, or an object with fit/transform, run, or train.',
          },
          {
            type: 'string',
            pattern: '^(\\.{1,2}/|/).+\\.pipeline\\.ya?ml$',
            description: "A sub-pipeline: that file's stages of this section run here, named <stage>/<its stage>; `with:` overrides its params.",
          },
        ],
      },
      with: { type: ['object', 'null'], description: "The stage's parameters. ${params.name} references are replaced by pipeline params." },
      retry: { $ref: '#/definitions/retry' },
      description: { type: 'string', description: 'What this stage is for (shown in hovers and run records).' },
    },
    allOf: defs.map((d) => ({
      if: { properties: { uses: { const: d.type } }, required: ['uses'] },
      then: { properties: { with: { anyOf: [{ $ref: `#/definitions/with-${d.type}` }, { type: 'null' }] } } },
    })),
  };
  definitions.stage = stage;

  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://plumb.dev/schemas/pipeline.schema.json',
    title: 'Plumb pipeline',
    description: 'A Plumb ML pipeline: feature stages (fitted in train mode, replayed in inference), training stages and inference stages.',
    type: 'object',
    required: ['pipeline'],
    additionalProperties: false,
    properties: {
      pipeline: {
        type: 'string',
        pattern: PIPELINE_NAME.source,
        description: "The pipeline's name; its versions are stored under it. Letters, digits, '.', '_' and '-'.",
      },
      description: { type: 'string', description: 'What the pipeline does.' },
      target: orParamRef({ type: 'string', description: 'The label column. Feature stages leave it alone; models learn to predict it.' }),
      params: {
        type: 'object',
        description: 'Named values used as ${params.name} anywhere below; override with --set name=value.',
        additionalProperties: true,
      },
      data: {
        type: 'object',
        description: 'Input data files by name, relative to this file.',
        properties: {
          train: { type: 'string', description: 'The table read in train mode.' },
          inference: { type: 'string', description: 'The table read in inference mode.' },
        },
        additionalProperties: { type: 'string', description: 'A data file path, relative to this file.' },
      },
      retry: { $ref: '#/definitions/retry', description: 'The default retry policy for every stage.' },
      store: orParamRef({ type: 'string', description: 'Where versions are stored (default: .plumb beside this file).' }),
      feature: sectionSchema('Feature stages: fitted and applied in train mode, replayed from the saved state in inference mode.'),
      training: sectionSchema('Training stages: split, train a model, evaluate. Train mode only.'),
      inference: sectionSchema('Inference stages: run after the feature stages in inference mode, e.g. predict and export.'),
    },
    definitions,
  };
}

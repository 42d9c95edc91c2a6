// The pipeline language: load and validate *.pipeline.yaml files, and its JSON Schema.
export { loadPipeline, validatePipeline, type LoadOptions } from './load';
export { analyzePipeline, defaultStages, TOP_LEVEL_KEYS, STAGE_KEYS, type ValidateOptions, type Analysis } from './validate';
export { pipelineJsonSchema } from './schema';
export { interpolateString, lookupParam, paramPaths, type InterpolationProblem } from './interpolate';
export { parseOverrides, applyOverrides, parseOverrideValue, type Override } from './overrides';
export { nodeRange, offsetRange, posAt } from './positions';
export { parsePipelineText, type ParsedPipeline } from './parse';
export { closest, didYouMean } from './suggest';
export { resolveStopAfter, runStages, type StopAfterTarget } from './stop-after';
export type { PipelineSpec, StageSpec, StageParent } from './types';

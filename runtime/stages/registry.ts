// Every built-in stage, by its `uses:` name, and the predictors for saved models.
// One file per family; each exports `stages` (and model families `predictors`).
import type { Predictor, StageDef } from './types';
import * as io from './io';
import * as columns from './columns';
import * as rows from './rows';
import * as impute from './impute';
import * as scale from './scale';
import * as encode from './encode';
import * as split from './split';
import * as linear from './linear';
import * as logistic from './logistic';
import * as tree from './tree';
import * as metrics from './metrics';
import * as predict from './predict';

const families = [io, columns, rows, impute, scale, encode, split, linear, logistic, tree, metrics, predict];

export const builtinStages: ReadonlyMap<string, StageDef> = new Map(
  families.flatMap((f) => f.stages).map((s) => [s.type, s] as const),
);

export const predictors: ReadonlyMap<string, Predictor> = new Map(
  families.flatMap((f) => Object.entries('predictors' in f ? (f.predictors as Record<string, Predictor>) : {})),
);

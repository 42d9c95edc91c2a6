// The `predict` stage: adds the model's predictions to the table.
//
// Predictors are looked up from the model families directly (not through registry.ts, which
// imports this file) so there is no import cycle.

import type { Table } from '../table/table';
import type { Predictions, Predictor, StageDef } from './types';
import type { ModelArtifact } from '../vocabulary';
import { addPredictionColumns, requireModelFeatures } from './model-data';
import * as linear from './linear';
import * as logistic from './logistic';
import * as tree from './tree';

const builtinPredictors: Readonly<Record<string, Predictor>> = {
  ...linear.predictors,
  ...logistic.predictors,
  ...tree.predictors,
};

/** Runs the built-in predictor for `model.kind` on `input`. */
export function predictWith(stage: string, model: ModelArtifact, input: Table): Predictions {
  const predictor = Object.prototype.hasOwnProperty.call(builtinPredictors, model.kind) ? builtinPredictors[model.kind] : undefined;
  if (!predictor) {
    throw new Error(
      `${stage}: no predictor for model kind '${model.kind}' (known: ${Object.keys(builtinPredictors).join(', ')})`,
    );
  }
  requireModelFeatures(stage, model, input);
  try {
    return predictor(model, input);
  } catch (e) {
    // Predictors say 'predict:'; name the stage that actually asked.
    if (e instanceof Error && stage !== 'predict' && e.message.startsWith('predict:')) {
      e.message = `${stage}:${e.message.slice('predict:'.length)}`;
    }
    throw e;
  }
}

export interface PredictParams {
  column?: string;
  probabilities?: boolean;
}

export const predict: StageDef = {
  type: 'predict',
  kind: 'transform',
  summary: "Adds the model's predictions (and class probabilities) as columns; the target may be absent.",
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      column: { type: 'string', minLength: 1, default: 'prediction', description: 'Name of the predicted-label column.' },
      probabilities: {
        type: 'boolean',
        default: true,
        description: "For classifiers, also add one 'proba=<class>' number column per class.",
      },
    },
  },
  run(input: Table, ctx): Table {
    const p = ctx.params as PredictParams;
    const model = ctx.model;
    if (!model) {
      throw new Error(
        `${ctx.stage} (predict) needs a model: in training put a model stage (e.g. logistic-regression) before it; ` +
          `for inference run with a version that has a saved model`,
      );
    }
    const predictions = predictWith(ctx.stage, model, input);
    ctx.progress(1);
    return addPredictionColumns(input, model, predictions, { column: p.column, probabilities: p.probabilities });
  },
};

export const stages: StageDef[] = [predict];

// Decision trees (CART) backed by the ml-cart package.
//
// The artifact's `data` is ml-cart's own toJSON() output (passed through JSON so it is plain
// data), and prediction rebuilds the tree with the library's static load(). Safety of that
// path, checked by reading node_modules/ml-cart (v2.1.1, src/ and cart.js): load() only checks
// `model.name` and calls `new DecisionTree*(true, model)`, whose TreeNode.setNodeParameters
// copies splitColumn / splitValue / gain / distribution field by field into new TreeNode
// objects (leaf distributions become ml-matrix Matrix instances built from number arrays).
// There is no eval, Function, require or dynamic import on that path, so loading a saved
// tree never runs code from the file.

import type { Table } from '../table/table';
import type { Predictor, StageDef } from './types';
import type { Json, ModelArtifact } from '../vocabulary';
import {
  classLabelColumn,
  encodeClasses,
  featureMatrix,
  modelParamsSchema,
  numericTarget,
  requireModelFeatures,
  trainingFeatures,
  trainingTarget,
  type DenseMatrix,
  type ModelParams,
} from './model-data';

// ml-cart ships no type declarations; this is the slice of its API we use.
interface CartModel {
  train(X: number[][], y: number[]): void;
  predict(X: number[][]): number[];
  toJSON(): unknown;
  /** Internal (marked @private in ml-cart): classify(row) returns the leaf's value. */
  root?: { classify?(row: number[]): unknown };
}
interface CartModule {
  DecisionTreeClassifier: { new (options: object): CartModel; load(json: unknown): CartModel };
  DecisionTreeRegression: { new (options: object): CartModel; load(json: unknown): CartModel };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cart = require('ml-cart') as CartModule;

export interface TreeParams extends ModelParams {
  task?: 'classification' | 'regression';
  max_depth?: number;
  min_samples_split?: number;
}

const TYPE = 'decision-tree';

export const decisionTree: StageDef = {
  type: TYPE,
  kind: 'model',
  summary: 'CART decision tree (ml-cart) for classification (gini) or regression (squared error).',
  params: modelParamsSchema({
    task: {
      type: 'string',
      enum: ['classification', 'regression'],
      description:
        'Default: classification when the target is a category column, regression when it is numbers ' +
        '(set classification for numeric labels such as 0/1).',
    },
    max_depth: { type: 'integer', minimum: 1, default: 10, description: 'Maximum depth of the tree (the root is depth 0).' },
    min_samples_split: {
      type: 'integer',
      minimum: 2,
      default: 2,
      description: 'A node needs at least this many rows to be split (as in scikit-learn).',
    },
  }),
  train(input: Table, ctx): ModelArtifact {
    const p = ctx.params as TreeParams;
    const { target, column: targetCol } = trainingTarget(TYPE, input, ctx);
    const features = trainingFeatures(TYPE, input, target, ctx);
    const task = p.task ?? (targetCol.type === 'category' ? 'classification' : 'regression');
    if (task !== 'classification' && task !== 'regression') {
      throw new Error(`${TYPE}: task must be 'classification' or 'regression', got '${String(task)}'`);
    }
    const maxDepth = p.max_depth ?? 10;
    const minSplit = p.min_samples_split ?? 2;
    if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new Error(`${TYPE}: max_depth must be an integer ≥ 1, got ${maxDepth}`);
    if (!Number.isInteger(minSplit) || minSplit < 2) throw new Error(`${TYPE}: min_samples_split must be an integer ≥ 2, got ${minSplit}`);
    if (input.rowCount === 0) throw new Error(`${TYPE}: the input table has no rows`);
    const rows = toRowArrays(featureMatrix(TYPE, input, features));
    const options = {
      maxDepth,
      // ml-cart makes a leaf when a node has <= minNumSamples rows; sklearn's
      // min_samples_split is "split only when >= this many rows".
      minNumSamples: minSplit - 1,
      // A node splits only while its best split's "gain" > gainThreshold. For the classifier
      // that is gini gain: ml-cart's default 0.01 refuses small but real gains, sklearn splits on
      // any, so 0. For regression ml-cart stores the split's squared *error* there, so a perfect
      // split (error 0) would be refused at 0; any negative threshold lets it through.
      gainThreshold: task === 'classification' ? 0 : -1,
    };
    let model: CartModel;
    let classes: string[] | undefined;
    if (task === 'classification') {
      const encoded = encodeClasses(TYPE, targetCol);
      classes = encoded.classes;
      model = new cart.DecisionTreeClassifier(options);
      model.train(rows, Array.from(encoded.codes));
    } else {
      model = new cart.DecisionTreeRegression(options);
      model.train(rows, Array.from(numericTarget(TYPE, targetCol)));
    }
    ctx.progress(1);
    // JSON round trip: toJSON() hands back live TreeNode/Matrix objects; the artifact must be plain data.
    const data = JSON.parse(JSON.stringify(model.toJSON())) as Json;
    return { kind: TYPE, task, target, features, ...(classes ? { classes } : {}), data };
  },
};

function toRowArrays(X: DenseMatrix): number[][] {
  const rows: number[][] = new Array(X.rows);
  for (let r = 0; r < X.rows; r++) rows[r] = Array.from(X.values.subarray(r * X.cols, (r + 1) * X.cols));
  return rows;
}

/**
 * The saved tree with any Float64Array (the store loads arrays of ≥ 4,096 numbers as one)
 * turned back into number[], which is what ml-cart's loader expects. Copies only what changes.
 */
function plainTree(value: unknown): unknown {
  if (value instanceof Float64Array) return Array.from(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((x, i) => {
      const y = plainTree(x);
      if (y !== x) (out ??= value.slice())[i] = y;
    });
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(value)) {
    const y = plainTree(x);
    if (y !== x) (out ??= { ...value })[k] = y;
  }
  return out ?? value;
}

const predictTree: Predictor = (model, input) => {
  requireModelFeatures('predict', model, input);
  const rows = toRowArrays(featureMatrix('predict', input, model.features));
  const n = rows.length;
  const data = plainTree(model.data);
  if (model.task === 'regression') {
    const tree = cart.DecisionTreeRegression.load(data);
    const values = n ? Float64Array.from(tree.predict(rows)) : new Float64Array(0);
    return { label: { type: 'number', name: 'prediction', values, missing: null } };
  }
  const classes = model.classes ?? [];
  const tree = cart.DecisionTreeClassifier.load(data);
  const codes = n ? Int32Array.from(tree.predict(rows)) : new Int32Array(0);
  return { label: classLabelColumn('prediction', codes, classes), proba: leafProbabilities(tree, rows, codes, classes.length) };
};

/**
 * Class probabilities = the class fractions of the training rows in the row's leaf (what
 * sklearn's predict_proba gives). ml-cart exposes them only through its internal
 * root.classify(); if that is ever missing we fall back to one-hot of the predicted class.
 */
function leafProbabilities(tree: CartModel, rows: number[][], codes: Int32Array, K: number): Float64Array[] {
  const proba = Array.from({ length: K }, () => new Float64Array(rows.length));
  const classify = tree.root?.classify?.bind(tree.root);
  for (let r = 0; r < rows.length; r++) {
    const leaf = classify ? distributionRow(classify(rows[r])) : null;
    if (leaf) {
      // A leaf's distribution only spans classes up to the largest code it saw; the rest are 0.
      for (let k = 0; k < K && k < leaf.length; k++) proba[k][r] = leaf[k];
    } else {
      proba[codes[r]][r] = 1;
    }
  }
  return proba;
}

function distributionRow(value: unknown): ArrayLike<number> | null {
  const m = value as { getRow?(i: number): number[] } | null;
  return m && typeof m.getRow === 'function' ? m.getRow(0) : null;
}

export const stages: StageDef[] = [decisionTree];
export const predictors: Record<string, Predictor> = { [TYPE]: predictTree };

// A toy workspace whose feature section runs two user stage modules: boost.ts (which
// imports a constant from factor.ts) and shift.ts (which reads its `with:`). Editing either
// module, the constant or the `with:` value changes the predictions, so tests can tell
// pinned code from the working copy.
import { baseWithStagesInstead, workspace, type Workspace } from './fixture';

// A user feature stage with a constant, and one that reads its `with:`: both change the
// features the model sees, so an edit to either changes the predictions.
export const BOOST = (factor: number): string => `import { numberColumn, type Table } from 'plumb';
import { FACTOR } from './factor';
export default function boost(input: Table): Table {
  const y = input.numberColumn('y');
  return input.withColumn(numberColumn('y', y.values.map((v) => v * FACTOR * ${factor})));
}
`;
export const FACTOR_TS = (n: number): string => `export const FACTOR = ${n};\n`;
export const SHIFT = `import { numberColumn, type Table, type StageContext } from 'plumb';
export default function shift(input: Table, ctx: StageContext): Table {
  const by = Number(ctx.params.by);
  const x = input.numberColumn('x');
  return input.withColumn(numberColumn('x', x.values.map((v) => v + by)));
}
`;
export const PIPELINE = (by: number): string =>
  baseWithStagesInstead(`  - stage: boost
    uses: ./stages/boost.ts
  - stage: shift
    uses: ./stages/shift.ts
    with: { by: ${by} }
  - stage: impute
    uses: impute
    with: { strategy: median }
`).replace(/  - stage: scale\n    uses: standard-scale\n/, '');

export function setup(): Workspace {
  const ws = workspace(PIPELINE(0));
  ws.write('stages/boost.ts', BOOST(1));
  ws.write('stages/factor.ts', FACTOR_TS(1));
  ws.write('stages/shift.ts', SHIFT);
  return ws;
}

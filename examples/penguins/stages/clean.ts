// A user stage in TypeScript: a plain function (input, ctx) => table.
// The raw penguins data marks one unknown sex as '.', so it becomes a real missing value
// here (the impute stage fills it later), and a beak-shape ratio is added as a feature.
import { categoryColumn, numberColumn, type StageContext, type Table } from 'plumb';

export default function clean(input: Table, ctx: StageContext): Table {
  const sex = input.column('Sex');
  let fixed = 0;
  const sexValues: (string | null)[] = [];
  for (let r = 0; r < input.rowCount; r++) {
    const v = input.cell(r, 'Sex');
    if (v === '.') fixed++;
    sexValues.push(v === '.' || v === null ? null : String(v));
  }
  if (fixed > 0) ctx.warn(`${fixed} penguin(s) had sex '.', treated as missing`, 'dirty-value');

  const length = input.numberColumn('Beak Length (mm)');
  const depth = input.numberColumn('Beak Depth (mm)');
  const ratio = new Float64Array(input.rowCount);
  for (let r = 0; r < ratio.length; r++) ratio[r] = length.values[r] / depth.values[r];
  ctx.log(`cleaned ${input.rowCount} rows`);
  return input
    .withColumn(categoryColumn(sex.name, sexValues))
    .withColumn(numberColumn('Beak Ratio', ratio)); // NaN (from a missing input) becomes missing
}

// The rows of an inference path (held-out rows in a train run, the inference data in an
// inference run): which ones can be scored, and the output a user can use — the input
// rows' original columns plus the prediction columns, in input order.
//
// Rows are followed by provenance (Table's sourceRows): the engine marks the rows it reads,
// and Table methods carry the mark through stages. A row a stage removed, or one with a
// model feature still missing after the replayed imputers, is unscorable: `rejects:`
// decides (fail the batch, or set it aside with a reason).
import { categoryColumn, isMissing, sourceRowsOf, Table, withSourceRows } from '../table/table';
import type { ModelArtifact } from '../vocabulary';
import type { RejectsSpec } from '../spec/types';

/** Rows set aside by the rejects policy: input row index → why. */
export type Rejected = Map<number, string>;

/** `input`'s rows as input rows; refuses when a stage changed the row count without keeping track. */
export function inputRowsOf(table: Table, base: Table, stage: string): Int32Array {
  const known = sourceRowsOf(table);
  if (known) return known;
  if (table.rowCount === base.rowCount) return identity(table.rowCount);
  throw new Error(
    `the inference path has ${table.rowCount} rows where ${base.rowCount} went in, and no stage before '${stage}' said which are which ` +
      `(a stage built a new table with fewer or more rows): predictions could not be lined up with the input rows. ` +
      `Filter rows with Table.take (which keeps track), or leave rows in and let rejects: decide`,
  );
}

export function identity(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/** The input table marked as the start of an inference path (each row its own source). */
export function markInput(table: Table): Table {
  return withSourceRows(new Table(table.columns, table.rowCount), identity(table.rowCount));
}

/**
 * Before predict: finds unscorable rows. Policy fail throws, naming the first few;
 * policy reject returns the scorable rows and adds the others to `rejected`.
 */
export function screenRows(input: Table, base: Table, model: ModelArtifact | undefined, stage: string, policy: RejectsSpec, rejected: Rejected, droppedBy: string | undefined): Table {
  const rows = inputRowsOf(input, base, stage);
  const reasons: Rejected = new Map();
  if (rows.length !== base.rowCount) {
    const present = new Uint8Array(base.rowCount);
    for (let i = 0; i < rows.length; i++) present[rows[i]] = 1;
    const by = droppedBy ? `removed by stage '${droppedBy}'` : 'removed by a stage before predict';
    for (let r = 0; r < present.length; r++) if (present[r] === 0) reasons.set(r, by);
  }
  const bad: number[] = [];
  if (model) {
    const features = model.features.filter((f) => input.has(f)).map((f) => input.column(f));
    for (let i = 0; i < input.rowCount; i++) {
      for (const c of features) {
        if (isMissing(c, i) || (c.type === 'number' && !Number.isFinite(c.values[i]))) {
          reasons.set(rows[i], `feature '${c.name}' is missing after the feature stages`);
          bad.push(i);
          break;
        }
      }
    }
  }
  if (reasons.size === 0) return input;
  if (policy.policy === 'fail') {
    const sorted = [...reasons].sort((a, b) => a[0] - b[0]);
    const shown = sorted.slice(0, 3).map(([r, why]) => `input row ${r + 1}: ${why}`).join('; ');
    throw new Error(
      `${reasons.size} row${reasons.size === 1 ? '' : 's'} cannot be scored (${shown}${reasons.size > 3 ? '; …' : ''}). ` +
        `The batch fails (rejects: { policy: fail }, the default); write rejects: { policy: reject, file: out/rejects.csv } to set such rows aside instead`,
    );
  }
  for (const [r, why] of reasons) rejected.set(r, why);
  if (bad.length === 0) return input;
  const keep = new Uint8Array(input.rowCount).fill(1);
  for (const i of bad) keep[i] = 0;
  const kept: number[] = [];
  for (let i = 0; i < keep.length; i++) if (keep[i] === 1) kept.push(i);
  const out = input.take(kept);
  if (!sourceRowsOf(out)) withSourceRows(out, Int32Array.from(kept, (i) => rows[i]));
  return out;
}

/** After predict: the input rows' original columns plus the columns predict added, in input order. */
export function withOriginalColumns(predictInput: Table, predicted: Table, base: Table, stage: string): Table {
  const rows = sourceRowsOf(predicted) ?? inputRowsOf(predictInput, base, stage);
  if (rows.length !== predicted.rowCount) return predicted;
  let out = base.take(rows);
  for (const c of predicted.columns) if (!predictInput.has(c.name)) out = out.withColumn(c);
  return out;
}

/** The rejected rows as a table: their original columns plus `reason`, in input order. */
export function rejectsTable(base: Table, rejected: Rejected): Table {
  const rows = [...rejected.keys()].sort((a, b) => a - b);
  const out = base.take(rows);
  return out.withColumn(categoryColumn(out.has('reason') ? 'reject_reason' : 'reason', rows.map((r) => rejected.get(r)!)));
}

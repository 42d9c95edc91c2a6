// P2 peer: DuckDB (in-process, all cores) reads the CSV and computes the same features in SQL:
// median / mode imputation, standardisation (population std, 1 for a constant column) and
// one-hot via CASE, materialised into a table.
//   node --import tsx bench/peers/duckdb-data.ts <csv> <reps>   -> one JSON object on stdout
import { DuckDBInstance } from '@duckdb/node-api';
import { CATEGORIES, NUMERIC } from '../data-gen';

const [csv, repsText] = process.argv.slice(2);
const reps = Number(repsText ?? 1);
const q = (name: string): string => `"${name}"`;
const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

async function main(): Promise<Record<string, unknown>> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const times: number[] = [];
  let cols = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await con.run('DROP TABLE IF EXISTS raw; DROP TABLE IF EXISTS features;');
    await con.run(`CREATE TABLE raw AS SELECT * FROM read_csv(${lit(csv)}, header = true)`);
    // Fit: medians and modes, then mean and population std of the imputed numbers.
    const stats = (await con.runAndReadAll(
      `SELECT ${[...NUMERIC.map((n) => `median(${q(n)})`), ...CATEGORIES.map((c) => `mode(${q(c)})`)].join(', ')} FROM raw`,
    )).getRows()[0];
    const fill = (j: number): string => `coalesce(${q(NUMERIC[j])}, ${Number(stats[j])})`;
    const moments = (await con.runAndReadAll(
      `SELECT ${NUMERIC.map((_, j) => `avg(${fill(j)}), stddev_pop(${fill(j)})`).join(', ')} FROM raw`,
    )).getRows()[0];
    const levels: string[][] = [];
    for (const c of CATEGORIES) {
      const rows = (await con.runAndReadAll(`SELECT DISTINCT ${q(c)} FROM raw WHERE ${q(c)} IS NOT NULL ORDER BY 1`)).getRows();
      levels.push(rows.map((x) => String(x[0])));
    }
    // Transform.
    const exprs: string[] = NUMERIC.map((n, j) => {
      const sd = Number(moments[2 * j + 1]);
      return `(${fill(j)} - ${Number(moments[2 * j])}) / ${sd > 0 ? sd : 1} AS ${q(n)}`;
    });
    CATEGORIES.forEach((c, k) => {
      const filled = `coalesce(${q(c)}, ${lit(String(stats[NUMERIC.length + k]))})`;
      for (const v of levels[k]) exprs.push(`CASE WHEN ${filled} = ${lit(v)} THEN 1.0 ELSE 0.0 END AS ${q(`${c}=${v}`)}`);
    });
    exprs.push('label');
    await con.run(`CREATE TABLE features AS SELECT ${exprs.join(', ')} FROM raw`);
    times.push(performance.now() - t0);
    cols = exprs.length;
  }
  return { times, cols };
}

main().then(
  (out) => console.log(JSON.stringify({ ...out, maxRssMB: process.resourceUsage().maxRSS / 1024 })),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

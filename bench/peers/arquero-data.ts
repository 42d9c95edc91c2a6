// P2 peer: arquero 7 (columnar JS dataframes) loads the CSV and computes the same features.
//   node --import tsx bench/peers/arquero-data.ts <csv> <reps>   -> one JSON object on stdout
import { CATEGORIES, NUMERIC } from '../data-gen';

const [csv, repsText] = process.argv.slice(2);
const reps = Number(repsText ?? 1);

async function main(): Promise<Record<string, unknown>> {
  // arquero is ESM-only; this file is CommonJS, so load it dynamically.
  const aq = await import('arquero');
  const { op } = aq;
  const times: number[] = [];
  let cols = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    let t = await aq.loadCSV(csv);
    // Fit: medians of numbers, modes of categories.
    const stats = t.rollup({
      ...Object.fromEntries(NUMERIC.map((n) => [n, op.median(n)])),
      ...Object.fromEntries(CATEGORIES.map((c) => [c, op.mode(c)])),
    }).object() as Record<string, number | string>;
    t = t.impute(Object.fromEntries([...NUMERIC, ...CATEGORIES].map((c) => [c, `() => ${JSON.stringify(stats[c])}`])));
    const moments = t.rollup(
      Object.fromEntries(NUMERIC.flatMap((n) => [[`${n}_mean`, op.mean(n)], [`${n}_sd`, op.stdevp(n)]])),
    ).object() as Record<string, number>;
    const derived: Record<string, string> = {};
    for (const n of NUMERIC) {
      const sd = moments[`${n}_sd`] > 0 ? moments[`${n}_sd`] : 1;
      derived[n] = `d => (d[${JSON.stringify(n)}] - ${moments[`${n}_mean`]}) / ${sd}`;
    }
    for (const c of CATEGORIES) {
      const levels = (t.groupby(c).count().array(c) as string[]).slice().sort();
      for (const v of levels) derived[`${c}=${v}`] = `d => d[${JSON.stringify(c)}] === ${JSON.stringify(v)} ? 1 : 0`;
    }
    t = t.derive(derived).select(aq.not(CATEGORIES));
    cols = t.numCols();
    times.push(performance.now() - t0);
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

// Column summaries that stay fast on tens of millions of rows, for the debugger.
//
// summarizeColumn (summary.ts) sorts a copy of every number column: exact, but ~3.5 s on
// 10M rows. This computes the same numbers in a few linear passes and no big copies:
//  - missing, mean (numpy's pairwise sum), std (two sequential passes), min and max:
//    exact, bit for bit what summarizeColumn gives;
//  - quartiles: exact. A seeded sample brackets each target rank; one pass counts the values
//    below each bracket and gathers those inside; quickselect finishes on the gathered few.
//    A bracket that misses (unlucky or adversarial data) falls back to sorting a copy;
//  - distinct and top values: exact by counting in a hash table while the column has at most
//    `distinctCap` distinct values (where top values mean something); past that, `distinct`
//    is only known to exceed the cap and top values come from the sample, counted in it and
//    marked as such (`topSample`).
// Columns up to `exactRows` rows, and number columns holding NaN as a present value, are
// summarised by summarizeColumn itself. Category columns are exact always (code counts).
import { numpyLerp, summarizeColumn, type ColumnSummary, type SummaryOptions, type TopValue } from './summary';
import type { Column, NumberColumn } from './table';
import { selectKth } from './select-kth';

export interface FastSummaryOptions extends SummaryOptions {
  /** Up to this many rows, summarise exactly with summarizeColumn. Default 50,000. */
  exactRows?: number;
  /** Rows in the seeded sample (quartile brackets; top values of high-cardinality columns). Default 20,000. */
  sampleRows?: number;
  /** Count distinct values exactly up to this many. Default 65,536. */
  distinctCap?: number;
  /** Seed of the sample, so the same column always gives the same sample. */
  seed?: number;
}

export interface FastColumnSummary extends ColumnSummary {
  /** Set when the column has more than this many distinct values; `distinct` is then absent. */
  distinctAbove?: number;
  /** Set when `top` counts come from a uniform sample of this many rows, not the whole column. */
  topSample?: number;
}

export const FAST_DEFAULTS = { exactRows: 50_000, sampleRows: 20_000, distinctCap: 65_536, seed: 0x5eed };

export function summarizeColumnFast(c: Column, opts: FastSummaryOptions = {}): FastColumnSummary {
  const steps = summarizeColumnSteps(c, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Rows one step of summarizeColumnSteps reads at most (a few ms of work per pass). */
export const SLICE_ROWS = 1 << 16;

/**
 * summarizeColumnFast in steps: each `next()` does at most about SLICE_ROWS rows of one
 * pass, and the last returns the summary. Callers that must stay responsive (the
 * debugger's background summaries) run a step, let other work in, and go on; abandoning
 * the generator drops the work. The result is the same as summarizeColumnFast's.
 */
export function* summarizeColumnSteps(c: Column, opts: FastSummaryOptions = {}): Generator<void, FastColumnSummary, void> {
  const o = { ...FAST_DEFAULTS, ...opts, topK: Math.max(0, opts.topK ?? 5) };
  if (c.type === 'category' || c.values.length <= o.exactRows) return summarizeColumn(c, { topK: o.topK });
  return yield* summarizeLongNumbers(c, o);
}

type Options = typeof FAST_DEFAULTS & { topK: number };

// Each O(rows) pass below is its own small function over plain arguments (typed arrays,
// numbers, a state object read into locals before the loop and written back after it):
// one big function holding every loop ran its first pass 20x slower than the same loop
// alone (V8 optimises and deoptimises a function as a whole). The passes go a slice of
// rows at a time so the caller can yield in between; sums carry over, so the result is
// the same bits as one sweep.
function* summarizeLongNumbers(c: NumberColumn, o: Options): Generator<void, FastColumnSummary, void> {
  const v = c.values;
  const mask = c.missing;
  const n = v.length;
  const scan = new Scan();
  for (let s = 0; s < n && !scan.nan; s += SLICE_ROWS) {
    if (mask === null) scanPlain(scan, v, s, Math.min(n, s + SLICE_ROWS));
    else scanMasked(scan, v, mask, s, Math.min(n, s + SLICE_ROWS));
    yield;
  }
  if (scan.nan) return summarizeColumn(c, { topK: o.topK }); // NaN as a value: sorting order rules
  const { missing } = scan;
  const m = n - missing;
  const summary: FastColumnSummary = { name: c.name, type: 'number', missing, top: [] };
  const sample = sampleColumn(c, o.sampleRows, o.seed);
  const counter = new DistinctCounter(v, o.distinctCap);
  for (let s = 0; s < n && !counter.over; s += SLICE_ROWS) {
    if (mask === null) countDistinctPlain(counter, v, s, Math.min(n, s + SLICE_ROWS));
    else countDistinctMasked(counter, v, mask, s, Math.min(n, s + SLICE_ROWS));
    yield;
  }
  if (!counter.over) {
    summary.distinct = counter.used;
    summary.top = counter.top(o.topK);
  } else {
    summary.distinctAbove = o.distinctCap;
    summary.top = summarizeColumn(sample, { topK: o.topK }).top;
    summary.topSample = sample.values.length;
  }
  if (m === 0) return summary;
  summary.mean = (yield* pairwiseSumSteps(v, mask, 0, n)) / m;
  summary.min = scan.min;
  summary.max = scan.max;
  // Squared deviations from the sequential mean (as pandas' std).
  const avg = scan.seq / m;
  let sq = 0;
  for (let s = 0; s < n; s += SLICE_ROWS) {
    const e = Math.min(n, s + SLICE_ROWS);
    sq = mask === null ? squaredDeviationsPlain(v, s, e, avg, sq) : squaredDeviationsMasked(v, mask, s, e, avg, sq);
    yield;
  }
  if (m > 1) summary.std = Math.sqrt(sq / (m - 1));
  summary.quantiles = yield* quartiles(c, sample, m);
  return summary;
}

/** The first pass so far: missing count, sequential sum, min and max (-0 below 0, as a sort puts them). */
class Scan {
  missing = 0;
  seq = 0;
  min = Infinity;
  max = -Infinity;
  /** A NaN stored as a present value was met (the pass stopped there). */
  nan = false;
}

function scanPlain(st: Scan, v: Float64Array, start: number, end: number): void {
  let seq = st.seq;
  let mn = st.min;
  let mx = st.max;
  for (let i = start; i < end; i++) {
    const x = v[i];
    if (x !== x) {
      st.nan = true;
      return;
    }
    seq += x;
    if (x <= mn && (x < mn || 1 / x < 0)) mn = x;
    if (x >= mx && (x > mx || 1 / x > 0)) mx = x;
  }
  st.seq = seq;
  st.min = mn;
  st.max = mx;
}

function scanMasked(st: Scan, v: Float64Array, mask: Uint8Array, start: number, end: number): void {
  let missing = st.missing;
  let seq = st.seq;
  let mn = st.min;
  let mx = st.max;
  // No `continue` in these masked loops: with it V8 boxed the running sums (a heap number per row).
  for (let i = start; i < end; i++) {
    if (mask[i] === 0) {
      const x = v[i];
      if (x !== x) {
        st.nan = true;
        return;
      }
      seq += x;
      if (x <= mn && (x < mn || 1 / x < 0)) mn = x;
      if (x >= mx && (x > mx || 1 / x > 0)) mx = x;
    } else missing++;
  }
  st.missing = missing;
  st.seq = seq;
  st.min = mn;
  st.max = mx;
}

function squaredDeviationsPlain(v: Float64Array, start: number, end: number, avg: number, sq: number): number {
  for (let i = start; i < end; i++) {
    const d = v[i] - avg;
    sq += d * d;
  }
  return sq;
}

function squaredDeviationsMasked(v: Float64Array, mask: Uint8Array, start: number, end: number, avg: number, sq: number): number {
  for (let i = start; i < end; i++) {
    const d = v[i] - avg;
    sq += mask[i] === 0 ? d * d : 0; // + 0 leaves a sum of squares unchanged, bit for bit
  }
  return sq;
}

const QS = [0.25, 0.5, 0.75] as const;

/**
 * The exact quartiles of the m present values. The seeded sample brackets each target rank
 * with values [lo, hi]; one pass counts the values below each bracket and gathers those
 * inside; quickselect finishes on the gathered few. A bracket that misses the ranks it
 * needs (or gathers far more than expected) falls back to sorting a copy.
 */
function* quartiles(c: NumberColumn, sample: NumberColumn, m: number): Generator<void, { p25: number; p50: number; p75: number }, void> {
  const n = c.values.length;
  const sampled = presentSorted(sample, sample.values.length - countMissing(sample));
  const [b0, b1, b2] = QS.map((q) => bracketFor(sampled, q, n));
  const g = new Gatherer(b0, b1, b2, Math.max(b0.limit, b1.limit, b2.limit));
  for (let s = 0; s < n; s += SLICE_ROWS) {
    if (c.missing === null) gatherPlain(g, c.values, s, Math.min(n, s + SLICE_ROWS));
    else gatherMasked(g, c.values, c.missing, s, Math.min(n, s + SLICE_ROWS));
    yield;
  }
  let sorted: Float64Array | undefined;
  const fullSort = (): Float64Array => (sorted ??= presentSorted(c, m));
  const pick = (k: number, below: number, got: Float64Array | null): number =>
    (got && quantileInBracket(got, below, QS[k], m)) ?? quantileOfSorted(fullSort(), QS[k]);
  const p25 = pick(0, g.below0, g.got(g.buf0, g.k0));
  yield;
  const p50 = pick(1, g.below1, g.got(g.buf1, g.k1));
  yield;
  return { p25, p50, p75: pick(2, g.below2, g.got(g.buf2, g.k2)) };
}

/** Half-width of a bracket in sample ranks: 6 standard deviations of a sampled rank. */
function marginFor(s: number): number {
  return Math.ceil(6 * 0.5 * Math.sqrt(s)) + 2;
}

/** Values [lo, hi] likely to hold the ranks a quantile needs. */
interface Bracket {
  lo: number;
  hi: number;
  /** Past this many values inside, the bracket is given up (about 4x the expected count). */
  limit: number;
}

/** The bracket for quantile q of n rows (sv: the sample's present values, sorted). */
function bracketFor(sv: Float64Array, q: number, n: number): Bracket {
  const s = sv.length;
  const margin = marginFor(s);
  let lo = -Infinity;
  let hi = Infinity;
  let limit = n;
  if (s >= 64) {
    const sp = q * (s - 1);
    const a = Math.floor(sp) - margin;
    const b = Math.ceil(sp) + margin;
    if (a > 0) lo = sv[a];
    if (b < s - 1) hi = sv[b];
    limit = Math.min(n, Math.ceil((4 * (b - a + 1) * n) / s) + 4096);
  }
  return { lo, hi, limit };
}

/**
 * The gathering pass so far, per bracket: present values below it (`under`: the bracket's
 * lo), the values inside it, and bounds lo..hi to gather in, set empty (and k to -1) once
 * a bracket is given up at `limit` values.
 */
class Gatherer {
  readonly under0: number;
  readonly under1: number;
  readonly under2: number;
  lo0: number;
  hi0: number;
  lo1: number;
  hi1: number;
  lo2: number;
  hi2: number;
  buf0: Float64Array = new Float64Array(4096);
  buf1: Float64Array = new Float64Array(4096);
  buf2: Float64Array = new Float64Array(4096);
  k0 = 0;
  k1 = 0;
  k2 = 0;
  below0 = 0;
  below1 = 0;
  below2 = 0;

  constructor(b0: Bracket, b1: Bracket, b2: Bracket, readonly limit: number) {
    this.under0 = this.lo0 = b0.lo;
    this.under1 = this.lo1 = b1.lo;
    this.under2 = this.lo2 = b2.lo;
    this.hi0 = b0.hi;
    this.hi1 = b1.hi;
    this.hi2 = b2.hi;
  }

  /** A bracket's gathered values, or null when it was given up. */
  got(buf: Float64Array, k: number): Float64Array | null {
    return k < 0 ? null : buf.subarray(0, k);
  }
}

// One test per bracket with both comparisons and-ed as numbers: inside a bracket is rare
// (a few % of values), so that one branch predicts well, where `x <= hi && x >= lo`
// branched on its first half, a coin toss on real data, and ran this pass 4x slower.
function gatherPlain(g: Gatherer, v: Float64Array, start: number, end: number): void {
  const { under0, under1, under2, limit } = g;
  let { lo0, hi0, lo1, hi1, lo2, hi2, buf0, buf1, buf2, k0, k1, k2, below0, below1, below2 } = g;
  for (let i = start; i < end; i++) {
    const x = v[i];
    below0 += +(x < under0);
    below1 += +(x < under1);
    below2 += +(x < under2);
    if ((+(x <= hi0) & +(x >= lo0)) !== 0) {
      if (k0 === buf0.length) buf0 = grow(buf0, limit);
      if (k0 < buf0.length) buf0[k0++] = x;
      else (lo0 = Infinity), (hi0 = -Infinity), (k0 = -1); // given up
    }
    if ((+(x <= hi1) & +(x >= lo1)) !== 0) {
      if (k1 === buf1.length) buf1 = grow(buf1, limit);
      if (k1 < buf1.length) buf1[k1++] = x;
      else (lo1 = Infinity), (hi1 = -Infinity), (k1 = -1); // given up
    }
    if ((+(x <= hi2) & +(x >= lo2)) !== 0) {
      if (k2 === buf2.length) buf2 = grow(buf2, limit);
      if (k2 < buf2.length) buf2[k2++] = x;
      else (lo2 = Infinity), (hi2 = -Infinity), (k2 = -1); // given up
    }
  }
  Object.assign(g, { lo0, hi0, lo1, hi1, lo2, hi2, buf0, buf1, buf2, k0, k1, k2, below0, below1, below2 });
}

/** gatherPlain skipping missing slots (their stored value may be anything). */
function gatherMasked(g: Gatherer, v: Float64Array, mask: Uint8Array, start: number, end: number): void {
  const { under0, under1, under2, limit } = g;
  let { lo0, hi0, lo1, hi1, lo2, hi2, buf0, buf1, buf2, k0, k1, k2, below0, below1, below2 } = g;
  for (let i = start; i < end; i++) {
    const keep = mask[i] ^ 1;
    const x = v[i];
    below0 += +(x < under0) & keep;
    below1 += +(x < under1) & keep;
    below2 += +(x < under2) & keep;
    if ((+(x <= hi0) & +(x >= lo0) & keep) !== 0) {
      if (k0 === buf0.length) buf0 = grow(buf0, limit);
      if (k0 < buf0.length) buf0[k0++] = x;
      else (lo0 = Infinity), (hi0 = -Infinity), (k0 = -1); // given up
    }
    if ((+(x <= hi1) & +(x >= lo1) & keep) !== 0) {
      if (k1 === buf1.length) buf1 = grow(buf1, limit);
      if (k1 < buf1.length) buf1[k1++] = x;
      else (lo1 = Infinity), (hi1 = -Infinity), (k1 = -1); // given up
    }
    if ((+(x <= hi2) & +(x >= lo2) & keep) !== 0) {
      if (k2 === buf2.length) buf2 = grow(buf2, limit);
      if (k2 < buf2.length) buf2[k2++] = x;
      else (lo2 = Infinity), (hi2 = -Infinity), (k2 = -1); // given up
    }
  }
  Object.assign(g, { lo0, hi0, lo1, hi1, lo2, hi2, buf0, buf1, buf2, k0, k1, k2, below0, below1, below2 });
}

/** Twice the room, up to `limit` values; the same buffer once there. */
function grow(buf: Float64Array, limit: number): Float64Array {
  if (buf.length >= limit) return buf;
  const grown = new Float64Array(Math.min(limit, buf.length * 2));
  grown.set(buf);
  return grown;
}

/** numpy's linear quantile of m values from the `got` values of ranks below.., or undefined when they miss the ranks needed. */
function quantileInBracket(got: Float64Array, below: number, q: number, m: number): number | undefined {
  const pos = q * (m - 1);
  const rankLo = Math.floor(pos);
  const rankHi = Math.min(rankLo + 1, m - 1);
  if (rankLo < below || rankHi >= below + got.length) return undefined;
  const a = rankValue(got, rankLo - below);
  const b = rankHi === rankLo ? a : rankValue(got, rankHi - below);
  return numpyLerp(a, b, pos - rankLo);
}

/** The r-th smallest of `a` (reordering it), -0 ranking below 0 as in a sort. */
function rankValue(a: Float64Array, r: number): number {
  selectKth(a, r);
  const x = a[r];
  if (x !== 0) return x;
  let below = 0;
  for (let i = 0; i < a.length; i++) if (a[i] < 0 || (a[i] === 0 && 1 / a[i] < 0)) below++;
  return r < below ? -0 : 0;
}

function quantileOfSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  return numpyLerp(sorted[lo], sorted[Math.min(lo + 1, sorted.length - 1)], pos - lo);
}

function countMissing(c: NumberColumn): number {
  if (c.missing === null) return 0;
  let k = 0;
  for (let i = 0; i < c.missing.length; i++) k += c.missing[i];
  return k;
}

function presentSorted(c: NumberColumn, m: number): Float64Array {
  const out = new Float64Array(m);
  let j = 0;
  for (let i = 0; i < c.values.length; i++) if (c.missing === null || c.missing[i] === 0) out[j++] = c.values[i];
  return out.sort();
}

/**
 * A uniform sample of `size` rows, stratified (one row drawn from each of `size` equal
 * stretches, so it stays in row order) with a seeded generator: the same column always
 * gives the same sample. Every row has the same chance, size / rows, to be drawn.
 */
export function sampleColumn(c: NumberColumn, size: number, seed: number): NumberColumn {
  const n = c.values.length;
  const s = Math.min(size, n);
  const values = new Float64Array(s);
  const missing = c.missing === null ? null : new Uint8Array(s);
  const random = mulberry32(seed);
  const step = n / s;
  for (let j = 0; j < s; j++) {
    const i = Math.min(n - 1, Math.floor((j + random()) * step));
    values[j] = c.values[i];
    if (missing !== null) missing[j] = c.missing![i];
  }
  return { type: 'number', name: c.name, values, missing };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Exact distinct count and counts by value (-0 as 0) so far, by open addressing keyed by
 * the value; `over` once more than `cap` distinct values turned up. No NaN among the
 * values (the caller checked).
 */
class DistinctCounter {
  readonly bits: Int32Array;
  readonly keys: Float64Array;
  readonly counts: Int32Array; // 0 marks a free slot
  readonly first: Int32Array;
  used = 0;
  over = false;

  constructor(
    v: Float64Array,
    readonly cap: number,
  ) {
    let size = 1024;
    while (size < 2 * cap) size *= 2;
    this.bits = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
    this.keys = new Float64Array(size);
    this.counts = new Int32Array(size);
    this.first = new Int32Array(size);
  }

  /** The k most frequent, count descending, ties by first appearance. */
  top(k: number): TopValue[] {
    const { keys, counts, first } = this;
    const taken: number[] = [];
    for (let s = 0; s < counts.length; s++) if (counts[s] !== 0) taken.push(s);
    taken.sort((a, b) => counts[b] - counts[a] || first[a] - first[b]);
    return taken.slice(0, k).map((s) => ({ value: keys[s], count: counts[s] }));
  }
}

// Plain and masked twins, so each loop stays small and monomorphic.
function countDistinctPlain(d: DistinctCounter, v: Float64Array, start: number, end: number): void {
  const { bits, keys, counts, first, cap } = d;
  const slots = keys.length - 1;
  let used = d.used;
  for (let i = start; i < end; i++) {
    const x = v[i];
    let h = x === 0 ? 0 : Math.imul(bits[2 * i] ^ Math.imul(bits[2 * i + 1], 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    let slot = h & slots;
    while (counts[slot] !== 0 && keys[slot] !== x) slot = (slot + 1) & slots;
    if (counts[slot]++ === 0) {
      if (++used > cap) {
        d.over = true;
        return;
      }
      keys[slot] = x === 0 ? 0 : x;
      first[slot] = i;
    }
  }
  d.used = used;
}

function countDistinctMasked(d: DistinctCounter, v: Float64Array, mask: Uint8Array, start: number, end: number): void {
  const { bits, keys, counts, first, cap } = d;
  const slots = keys.length - 1;
  let used = d.used;
  for (let i = start; i < end; i++) {
    if (mask[i] === 1) continue;
    const x = v[i];
    let h = x === 0 ? 0 : Math.imul(bits[2 * i] ^ Math.imul(bits[2 * i + 1], 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    let slot = h & slots;
    while (counts[slot] !== 0 && keys[slot] !== x) slot = (slot + 1) & slots;
    if (counts[slot]++ === 0) {
      if (++used > cap) {
        d.over = true;
        return;
      }
      keys[slot] = x === 0 ? 0 : x;
      first[slot] = i;
    }
  }
  d.used = used;
}

/** numpy's pairwise sum of a[start, start + n) in steps: the same tree, cut at subtrees of at most SLICE_ROWS. */
function* pairwiseSumSteps(a: Float64Array, mask: Uint8Array | null, start: number, n: number): Generator<void, number, void> {
  if (n <= SLICE_ROWS) {
    const sum = mask === null ? pairwiseSum8(a, start, n) : pairwiseSumMasked(a, mask, start, n);
    yield;
    return sum;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  const left = yield* pairwiseSumSteps(a, mask, start, n2);
  return left + (yield* pairwiseSumSteps(a, mask, start + n2, n - n2));
}

/**
 * numpy's pairwise_sum (as summary.ts's pairwiseSum: same grouping, so the same bits),
 * with the eight partial sums in locals rather than an array per block.
 */
function pairwiseSum8(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3]; // prettier-ignore
    let r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7]; // prettier-ignore
    const end = start + n - (n % 8);
    let i = start + 8;
    for (; i < end; i += 8) {
      r0 += a[i];
      r1 += a[i + 1];
      r2 += a[i + 2];
      r3 += a[i + 3];
      r4 += a[i + 4];
      r5 += a[i + 5];
      r6 += a[i + 6];
      r7 += a[i + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < start + n; i++) res += a[i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum8(a, start, n2) + pairwiseSum8(a, start + n2, n - n2);
}

/** pairwiseSum8 with missing slots counted as 0 (as summary.ts sums a zero-filled copy). */
function pairwiseSumMasked(a: Float64Array, mask: Uint8Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = start; i < start + n; i++) res += mask[i] === 1 ? 0 : a[i];
    return res;
  }
  if (n <= 128) {
    let r0 = mask[start] === 1 ? 0 : a[start];
    let r1 = mask[start + 1] === 1 ? 0 : a[start + 1];
    let r2 = mask[start + 2] === 1 ? 0 : a[start + 2];
    let r3 = mask[start + 3] === 1 ? 0 : a[start + 3];
    let r4 = mask[start + 4] === 1 ? 0 : a[start + 4];
    let r5 = mask[start + 5] === 1 ? 0 : a[start + 5];
    let r6 = mask[start + 6] === 1 ? 0 : a[start + 6];
    let r7 = mask[start + 7] === 1 ? 0 : a[start + 7];
    const end = start + n - (n % 8);
    let i = start + 8;
    for (; i < end; i += 8) {
      r0 += mask[i] === 1 ? 0 : a[i];
      r1 += mask[i + 1] === 1 ? 0 : a[i + 1];
      r2 += mask[i + 2] === 1 ? 0 : a[i + 2];
      r3 += mask[i + 3] === 1 ? 0 : a[i + 3];
      r4 += mask[i + 4] === 1 ? 0 : a[i + 4];
      r5 += mask[i + 5] === 1 ? 0 : a[i + 5];
      r6 += mask[i + 6] === 1 ? 0 : a[i + 6];
      r7 += mask[i + 7] === 1 ? 0 : a[i + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < start + n; i++) res += mask[i] === 1 ? 0 : a[i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSumMasked(a, mask, start, n2) + pairwiseSumMasked(a, mask, start + n2, n - n2);
}

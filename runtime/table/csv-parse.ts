// The CSV parser, bytes -> Table (RFC 4180: quoted fields, doubled quotes, embedded newlines
// and delimiters, CRLF or LF line ends, an optional UTF-8 byte-order mark). Both the file
// readers (csv.ts) and the parallel reader (csv-parallel.ts, csv-worker.ts) use it; it is a
// module of its own so that those two need not import each other.
//
// Speed matters here (a benchmark parses a 1M x 20 file), so the parser works on raw
// bytes in a single pass and never makes a JS string for a numeric cell: digits are
// turned into doubles straight from the bytes. Category cells are looked up in a
// dictionary keyed by their bytes, so a string is decoded only once per distinct value.
//
// Decisions a reader might want to know:
//  - Type inference per column: 'number' when every non-missing cell is a finite
//    decimal number (leading/trailing whitespace allowed, e.g. ' 3 ', '1e5', '-.5');
//    anything else makes the whole column a category. Hex, 'Infinity' etc. are text.
//  - Missing tokens (default '', NA, N/A, NaN, null, None) apply to *unquoted* cells.
//    A quoted cell is taken literally, except that a quoted empty cell ("") is still
//    missing, so files written with every field quoted keep their missing values.
//    This lets formatCsv write a category value 'NA' as "NA" and read it back as text.
//  - Blank lines are skipped, except in a one-column file where a blank line is a
//    missing cell (otherwise such a file could not hold a missing value).
//  - Invalid UTF-8 is a DataError naming the line; text is never decoded with U+FFFD.
import { DataError } from '../errors';
import { missingCount, Table, withCounts, type Column } from './table';

/** Node's Buffer#latin1Slice (undocumented, long-standing) is the cheapest bytes -> string call for ASCII. */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };
const latin1View = (b: Uint8Array): Latin1Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength) as Latin1Buffer;

export interface CsvOptions {
  /** Field separator, one character. Default ','. */
  delimiter?: string;
  /** Cell texts that mean "missing". Default DEFAULT_MISSING. */
  missing?: readonly string[];
}

export const DEFAULT_MISSING: readonly string[] = ['', 'NA', 'N/A', 'NaN', 'null', 'None'];

const LF = 10;
const CR = 13;
const QUOTE = 34;
const NUM = 0;
const CAT = 1;

/** Exact powers of ten: every 10^k for k <= 22 is representable as a double. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** What Number() accepts as a decimal literal (minus Infinity, hex, binary, octal). */
const DECIMAL_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parse CSV bytes (or text) into a Table. `file` only names the source in errors. */
export function parseCsv(input: Uint8Array | string, opts: CsvOptions & { file?: string } = {}): Table {
  return new CsvParser(toBytes(input), opts).parse();
}

/** The column names and the byte offset of the first data row. */
export function csvHeader(input: Uint8Array, opts: CsvOptions & { file?: string } = {}): { names: string[]; dataStart: number } {
  return new CsvParser(toBytes(input), opts).header();
}

/**
 * Parse header-less CSV rows into columns named `names`: one chunk of a larger file that was
 * split at record boundaries (see csv-parallel.ts). Errors name lines relative to the chunk.
 * With `capacity`, columns are allocated for that many rows and returned as views of those
 * buffers, so the caller can append the other chunks' rows in place instead of copying.
 */
export function parseCsvRows(input: Uint8Array, names: string[], opts: CsvOptions = {}, capacity?: number): Table {
  return new CsvParser(toBytes(input), opts).rows(names, capacity);
}

/** A DataError for an unreadable file ("<path>: no such file" when absent). */
export function fileError(path: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new DataError('no such file', path);
  if (code === 'EISDIR') return new DataError('is a directory, expected a file', path);
  return new DataError(`cannot read file (${(e as Error)?.message ?? String(e)})`, path);
}

/**
 * The input as a plain Uint8Array. Buffers are viewed, not copied, but everything the hot
 * loop touches must be the *same* array class or V8 deoptimizes on the mix.
 */
function toBytes(input: Uint8Array | string): Uint8Array {
  const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

// Placeholders instead of null keep the per-column arrays monomorphic.
const NO_F64 = new Float64Array(0);
const NO_U8 = new Uint8Array(0);
const NO_I32 = new Int32Array(0);

/** The delimiter as a byte code; a DataError for anything but one plain ASCII character. */
export function checkDelimiter(d: string): number {
  if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') {
    throw new DataError(`CSV delimiter must be one ASCII character other than a quote or newline, got ${JSON.stringify(d)}`);
  }
  return d.charCodeAt(0);
}

/** Where scanField found a field: content is arr[start, stop); `end` is the terminator's index. */
interface FieldSpan {
  arr: Uint8Array;
  start: number;
  stop: number;
  end: number;
  quoted: boolean;
  newlines: number;
}

const FNV_SEED = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** Category values of one column, looked up by their bytes (open addressing on an FNV-1a hash). */
class ByteDictionary {
  readonly strings: string[] = [];
  private readonly arrs: Uint8Array[] = [];
  private readonly starts: number[] = [];
  private readonly stops: number[] = [];
  private readonly hashes: number[] = [];
  private slots = new Int32Array(64); // code + 1, 0 = empty
  private mask = 63;

  codeOf(arr: Uint8Array, s: number, e: number, onBadUtf8: () => never): number {
    let h = FNV_SEED;
    for (let i = s; i < e; i++) h = Math.imul(h ^ arr[i], FNV_PRIME);
    const code = this.find(arr, s, e, h);
    return code >= 0 ? code : this.add(arr, s, e, h, decodeText(arr, s, e, onBadUtf8));
  }

  /** The code of the bytes arr[s, e) whose FNV-1a hash is h, or -1 when not seen yet. */
  find(arr: Uint8Array, s: number, e: number, h: number): number {
    let slot = h & this.mask;
    for (;;) {
      const k = this.slots[slot];
      if (k === 0) return -1;
      const code = k - 1;
      if (this.hashes[code] === h && this.sameBytes(code, arr, s, e)) return code;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds a value that find() did not know; returns its code. */
  add(arr: Uint8Array, s: number, e: number, h: number, text: string): number {
    let slot = h & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    const code = this.strings.length;
    this.strings.push(text);
    this.arrs.push(arr);
    this.starts.push(s);
    this.stops.push(e);
    this.hashes.push(h);
    this.slots[slot] = code + 1;
    if (this.strings.length * 2 > this.mask) this.rehash();
    return code;
  }

  private sameBytes(code: number, arr: Uint8Array, s: number, e: number): boolean {
    const a = this.arrs[code];
    const as = this.starts[code];
    if (this.stops[code] - as !== e - s) return false;
    for (let i = 0; i < e - s; i++) if (a[as + i] !== arr[s + i]) return false;
    return true;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 4;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let code = 0; code < this.hashes.length; code++) {
      let slot = this.hashes[code] & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = code + 1;
    }
  }
}

function decodeText(arr: Uint8Array, s: number, e: number, onBadUtf8: () => never): string {
  let ascii = true;
  for (let i = s; i < e; i++) {
    if (arr[i] > 127) {
      ascii = false;
      break;
    }
  }
  if (ascii && e - s <= 256) return String.fromCharCode.apply(null, arr.subarray(s, e) as unknown as number[]);
  try {
    return utf8.decode(arr.subarray(s, e));
  } catch {
    return onBadUtf8();
  }
}

// fastNumber's results. The value goes through a typed array because a double returned
// from a call that V8 does not inline is boxed: one heap allocation per cell.
const numOut = new Float64Array(1);
// The index of the first byte fastNumber did not consume, and whether the bytes up to there
// were a well-formed decimal number (even if too long to compute exactly).
let numEnd = 0;
let numSyntaxOk = false;

/**
 * Parse a plain decimal number starting at arr[i], stopping at the first byte that cannot
 * continue it (numEnd). Returns true with the value in numOut[0], or false when the text is
 * not a number *or* the value cannot be computed exactly with one IEEE operation (a mantissa
 * of 2^53 or more, or a power of ten beyond 10^22); callers then fall back to Number(), so
 * results are always identical to Number(text).
 */
function fastNumber(arr: Uint8Array, i: number): boolean {
  numSyntaxOk = false;
  let b = arr[i];
  const neg = b === 45; // '-'
  if (b === 45 || b === 43) b = arr[++i];
  let m = 0;
  let digits = 0;
  let scale = 0;
  while (b >= 48 && b <= 57) {
    m = m * 10 + (b - 48);
    digits++;
    b = arr[++i];
  }
  if (b === 46) {
    b = arr[++i];
    while (b >= 48 && b <= 57) {
      m = m * 10 + (b - 48);
      digits++;
      scale++;
      b = arr[++i];
    }
  }
  if (digits === 0) {
    numEnd = i;
    return false;
  }
  let exp = 0;
  if (b === 101 || b === 69) {
    b = arr[++i];
    const eneg = b === 45;
    if (b === 45 || b === 43) b = arr[++i];
    let ed = 0;
    while (b >= 48 && b <= 57) {
      if (exp < 100000) exp = exp * 10 + (b - 48);
      ed++;
      b = arr[++i];
    }
    if (ed === 0) {
      numEnd = i;
      return false;
    }
    if (eneg) exp = -exp;
  }
  numEnd = i;
  numSyntaxOk = true;
  const e10 = exp - scale;
  // m is exact while below 2^53 (and a rounded m never drops below 2^53 once the true one
  // reaches it), so m and 10^|e10| are exact doubles and one division or product rounds
  // correctly, exactly as Number() does.
  if (m >= 9007199254740992 || e10 > 22 || e10 < -22) return false;
  const v = e10 < 0 ? m / POW10[-e10] : m * POW10[e10];
  numOut[0] = neg ? -v : v;
  return true;
}

// Outcome of classifyNumber besides its value.
const IS_NUMBER = 0;
const IS_MISSING = 1;
const IS_TEXT = 2;

class CsvParser {
  private readonly file: string | undefined;
  private readonly delim: number;
  private readonly missingTokens: Uint8Array[];
  private readonly missingEmpty: boolean;
  private readonly maxToken: number;
  private readonly span: FieldSpan;
  private buf: Uint8Array;
  private latin1: Latin1Buffer;
  private end = 0;
  private status = IS_NUMBER;

  constructor(buf: Uint8Array, opts: CsvOptions & { file?: string }) {
    this.file = opts.file;
    this.delim = checkDelimiter(opts.delimiter ?? ',');
    const tokens = opts.missing ?? DEFAULT_MISSING;
    this.missingEmpty = tokens.includes('');
    this.missingTokens = tokens.filter((t) => t !== '').map((t) => Buffer.from(t, 'utf8'));
    this.maxToken = this.missingTokens.reduce((m, t) => Math.max(m, t.length), 0);
    this.buf = buf;
    this.latin1 = latin1View(buf);
    this.span = { arr: buf, start: 0, stop: 0, end: 0, quoted: false, newlines: 0 };
  }

  parse(): Table {
    const start = this.prepare();
    if (start < 0) throw new DataError('empty file: a header row is required', this.file);
    const { names, next, lines } = this.readHeader(start);
    return this.readRows(names, next, 1 + lines);
  }

  /** Where the data rows start, and the column names (for splitting a file into chunks). */
  header(): { names: string[]; dataStart: number } {
    const start = this.prepare();
    if (start < 0) throw new DataError('empty file: a header row is required', this.file);
    const { names, next } = this.readHeader(start);
    return { names, dataStart: next };
  }

  /** Rows only (no header): one chunk of a file split at record boundaries. */
  rows(names: string[], capacity?: number): Table {
    const start = this.prepare(false);
    return this.readRows(names, start < 0 ? this.end : start, 1, capacity);
  }

  /**
   * Skips a byte-order mark and trims trailing line ends (they carry no records); returns
   * where the content starts, or -1 when there is none. The byte after the last record must
   * be a line end so unquoted scans need no bounds checks; appends one when the input lacks it.
   */
  private prepare(bom = true): number {
    let buf = this.buf;
    const start = bom && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    let end = buf.length;
    while (end > start && (buf[end - 1] === LF || buf[end - 1] === CR)) end--;
    this.end = end;
    if (end === start) return -1;
    if (end === buf.length) {
      const grown = new Uint8Array(end + 1);
      grown.set(buf.subarray(0, end));
      grown[end] = LF;
      buf = grown;
      this.buf = grown;
      this.latin1 = latin1View(grown);
      this.span.arr = grown;
    }
    return start;
  }

  private readHeader(pos: number): { names: string[]; next: number; lines: number } {
    const buf = this.buf;
    const names: string[] = [];
    let lines = 0;
    for (;;) {
      const f = this.scanField(pos, 1 + lines);
      lines += f.newlines;
      const name = decodeText(f.arr, f.start, f.stop, () => this.badUtf8(1));
      if (name === '') throw new DataError(`column ${names.length + 1} has an empty header name`, this.file, 1);
      const prior = names.indexOf(name);
      if (prior >= 0) {
        throw new DataError(
          `duplicate column name '${name}' in the header (columns ${prior + 1} and ${names.length + 1})`,
          this.file,
          1,
        );
      }
      names.push(name);
      pos = f.end;
      if (buf[pos] === this.delim) {
        pos++;
        continue;
      }
      break;
    }
    return { names, next: this.skipLineEnd(pos), lines: lines + 1 };
  }

  private skipLineEnd(pos: number): number {
    const buf = this.buf;
    if (buf[pos] === CR) return buf[pos + 1] === LF ? pos + 2 : pos + 1;
    return pos + 1;
  }

  private readRows(names: string[], dataStart: number, firstLine: number, capacity?: number): Table {
    const buf = this.buf;
    const end = this.end;
    const delim = this.delim;
    const ncols = names.length;
    // Line count is an exact row count for the usual file (no blank lines, no quoted newlines).
    let cap = Math.max(1, capacity ?? countLines(this.latin1, dataStart, end));
    const kinds = new Uint8Array(ncols); // all NUM until a cell says otherwise
    const values: Float64Array[] = names.map(() => new Float64Array(cap));
    const masks: Uint8Array[] = names.map(() => NO_U8);
    const codes: Int32Array[] = names.map(() => NO_I32);
    const dicts: (ByteDictionary | null)[] = names.map(() => null);

    let pos = dataStart;
    let line = firstLine;
    let n = 0;
    while (pos < end) {
      let b = buf[pos];
      if ((b === LF || b === CR) && ncols > 1) {
        pos = this.skipLineEnd(pos);
        line++;
        continue;
      }
      if (n === cap) {
        cap *= 2;
        for (let c = 0; c < ncols; c++) {
          values[c] = grow(values[c], cap);
          masks[c] = grow(masks[c], cap);
          codes[c] = grow(codes[c], cap);
        }
      }
      const rowStart = pos;
      const rowLine = line;
      for (let c = 0; c < ncols; c++) {
        const kind = kinds[c];
        b = buf[pos];
        if (kind === NUM && b !== QUOTE) {
          // Hottest path: a plain decimal ([-]digits[.digits], at most 15 digits) parsed in
          // place. The value is m / 10^scale with m and 10^scale exact doubles, so the one
          // rounding is the correctly rounded result, bit-identical to Number(text) and to
          // fastNumber below (which handles the rest: signs, exponents, long mantissas).
          let i = pos;
          const neg = b === 45;
          if (neg) b = buf[++i];
          let m = 0;
          let digits = 0;
          while (b >= 48 && b <= 57) {
            m = m * 10 + (b - 48);
            digits++;
            b = buf[++i];
          }
          let scale = 0;
          if (b === 46) {
            b = buf[++i];
            while (b >= 48 && b <= 57) {
              m = m * 10 + (b - 48);
              scale++;
              b = buf[++i];
            }
            digits += scale;
          }
          if (digits > 0 && digits <= 15 && (b === delim || b === LF || b === CR)) {
            const v = scale === 0 ? m : m / POW10[scale];
            values[c][n] = neg ? -v : v;
            pos = i;
            if (c < ncols - 1) {
              if (b !== delim) throw this.raggedRow(rowLine, c + 1, ncols);
              pos++;
            } else if (b === delim) {
              throw this.raggedRow(rowLine, this.countFields(rowStart, rowLine), ncols);
            }
            continue;
          }
          // Hot path: an unquoted cell of a (so far) numeric column, parsed in place.
          const exact = fastNumber(buf, pos);
          let v = numOut[0];
          let stop = numEnd;
          b = buf[stop];
          if (!exact || (b !== delim && b !== LF && b !== CR)) {
            if (numSyntaxOk && (b === delim || b === LF || b === CR)) {
              // Well-formed but too many digits for the exact shortcut.
              v = Number(this.latin1.latin1Slice(pos, stop));
              this.status = Number.isFinite(v) ? IS_NUMBER : IS_TEXT;
            } else {
              while (b !== delim && b !== LF && b !== CR) b = buf[++stop];
              v = this.classifyNumber(buf, pos, stop, false, line);
            }
          } else {
            this.status = IS_NUMBER;
          }
          if (this.status === IS_NUMBER) {
            values[c][n] = v;
          } else if (this.status === IS_MISSING) {
            values[c][n] = NaN;
            if (masks[c].length === 0) masks[c] = new Uint8Array(cap);
            masks[c][n] = 1;
          } else {
            this.toCategory(c, n, cap, dataStart, kinds, values, masks, codes, dicts);
            codes[c][n] = this.categoryCode(dicts[c]!, buf, pos, stop, false, line);
          }
          pos = stop;
        } else if (kind === CAT && b !== QUOTE) {
          // Hot path for categories: find the field's end and hash its bytes in one scan.
          let i = pos;
          let h = FNV_SEED;
          while (b !== delim && b !== LF && b !== CR) {
            h = Math.imul(h ^ b, FNV_PRIME);
            b = buf[++i];
          }
          const dict = dicts[c]!;
          let code = -1;
          if (i - pos > this.maxToken || !this.isMissing(buf, pos, i, false)) {
            code = dict.find(buf, pos, i, h);
            if (code < 0) code = dict.add(buf, pos, i, h, decodeText(buf, pos, i, () => this.badUtf8(line)));
          }
          codes[c][n] = code;
          pos = i;
        } else {
          // Copy the span out: toCategory below rescans with the same shared span.
          const f = this.scanField(pos, line);
          const arr = f.arr;
          const fStart = f.start;
          const fStop = f.stop;
          const quoted = f.quoted;
          const fEnd = f.end;
          const newlines = f.newlines;
          if (kinds[c] === NUM) {
            const v = this.classifyNumber(arr, fStart, fStop, quoted, line);
            if (this.status === IS_NUMBER) {
              values[c][n] = v;
            } else if (this.status === IS_MISSING) {
              values[c][n] = NaN;
              if (masks[c].length === 0) masks[c] = new Uint8Array(cap);
              masks[c][n] = 1;
            } else {
              this.toCategory(c, n, cap, dataStart, kinds, values, masks, codes, dicts);
            }
          }
          if (kinds[c] === CAT) {
            codes[c][n] = this.categoryCode(dicts[c]!, arr, fStart, fStop, quoted, line);
          }
          line += newlines;
          pos = fEnd;
        }
        b = buf[pos];
        if (c < ncols - 1) {
          if (b !== delim) throw this.raggedRow(rowLine, c + 1, ncols);
          pos++;
        } else if (b === delim) {
          throw this.raggedRow(rowLine, this.countFields(rowStart, rowLine), ncols);
        }
      }
      pos = this.skipLineEnd(pos);
      line++;
      n++;
    }

    const columns: Column[] = names.map((name, c): Column => {
      const trim = capacity === undefined ? fit : view;
      if (kinds[c] === CAT) {
        return { type: 'category', name, codes: trim(codes[c], n), dictionary: dicts[c]!.strings };
      }
      const col: Column = { type: 'number', name, values: trim(values[c], n), missing: masks[c].length ? trim(masks[c], n) : null };
      // Number cells are finite by construction (anything else makes the column text).
      return withCounts(col, { missing: missingCount(col), nonFinite: 0 });
    });
    return new Table(columns, n);
  }

  /** Scan one field at `pos` (quoted or not); fills and returns the shared span. */
  private scanField(pos: number, line: number): FieldSpan {
    const buf = this.buf;
    const delim = this.delim;
    const f = this.span;
    f.newlines = 0;
    if (buf[pos] !== QUOTE) {
      let i = pos;
      let b = buf[i];
      while (b !== delim && b !== LF && b !== CR) b = buf[++i];
      f.arr = buf;
      f.start = pos;
      f.stop = i;
      f.end = i;
      f.quoted = false;
      return f;
    }
    let i = pos + 1;
    let escaped = false;
    let close: number;
    for (;;) {
      const q = buf.indexOf(QUOTE, i);
      if (q < 0 || q >= this.end) {
        throw new DataError('unterminated quoted field (the quote opened here is never closed)', this.file, line + f.newlines);
      }
      for (let k = i; k < q; k++) if (buf[k] === LF) f.newlines++;
      if (buf[q + 1] === QUOTE) {
        escaped = true;
        i = q + 2;
        continue;
      }
      close = q;
      break;
    }
    const after = close + 1;
    const b = buf[after];
    if (b !== delim && b !== LF && b !== CR) {
      throw new DataError('unexpected text after a closing quote', this.file, line + f.newlines);
    }
    f.quoted = true;
    f.end = after;
    if (!escaped) {
      f.arr = buf;
      f.start = pos + 1;
      f.stop = close;
      return f;
    }
    const out = new Uint8Array(close - pos - 1);
    let o = 0;
    for (let k = pos + 1; k < close; k++) {
      out[o++] = buf[k];
      if (buf[k] === QUOTE) k++; // a doubled quote stands for one
    }
    f.arr = out;
    f.start = 0;
    f.stop = o;
    return f;
  }

  private isMissing(arr: Uint8Array, s: number, e: number, quoted: boolean): boolean {
    const len = e - s;
    if (len === 0) return this.missingEmpty;
    if (quoted || len > this.maxToken) return false;
    for (const t of this.missingTokens) {
      if (t.length !== len) continue;
      let same = true;
      for (let i = 0; i < len; i++) {
        if (t[i] !== arr[s + i]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    return false;
  }

  /** The slow, general test "is this cell a number?"; sets this.status. */
  private classifyNumber(arr: Uint8Array, s: number, e: number, quoted: boolean, line: number): number {
    if (this.isMissing(arr, s, e, quoted)) {
      this.status = IS_MISSING;
      return NaN;
    }
    if (fastNumber(arr, s) && numEnd === e) {
      this.status = IS_NUMBER;
      return numOut[0];
    }
    const text = decodeText(arr, s, e, () => this.badUtf8(line));
    if (DECIMAL_RE.test(text)) {
      const v = Number(text);
      if (Number.isFinite(v)) {
        this.status = IS_NUMBER;
        return v;
      }
    }
    this.status = IS_TEXT;
    return NaN;
  }

  private categoryCode(dict: ByteDictionary, arr: Uint8Array, s: number, e: number, quoted: boolean, line: number): number {
    if (this.isMissing(arr, s, e, quoted)) return -1;
    return dict.codeOf(arr, s, e, () => this.badUtf8(line));
  }

  /**
   * Column c held only numbers for rows [0, rows) and now met text: re-read those rows'
   * cells from the bytes (so '1.50' stays '1.50', not '1.5') into a category column.
   */
  private toCategory(
    c: number,
    rows: number,
    cap: number,
    dataStart: number,
    kinds: Uint8Array,
    values: Float64Array[],
    masks: Uint8Array[],
    codes: Int32Array[],
    dicts: (ByteDictionary | null)[],
  ): void {
    const dict = new ByteDictionary();
    const out = new Int32Array(cap);
    const buf = this.buf;
    const ncols = kinds.length;
    let pos = dataStart;
    let line = 0; // only used in messages, and these rows already parsed cleanly
    for (let r = 0; r < rows; ) {
      const b = buf[pos];
      if ((b === LF || b === CR) && ncols > 1) {
        pos = this.skipLineEnd(pos);
        continue;
      }
      for (let k = 0; k < ncols; k++) {
        const f = this.scanField(pos, line);
        if (k === c) out[r] = this.categoryCode(dict, f.arr, f.start, f.stop, f.quoted, line);
        pos = f.end + (k < ncols - 1 ? 1 : 0);
      }
      pos = this.skipLineEnd(pos);
      r++;
    }
    kinds[c] = CAT;
    values[c] = NO_F64;
    masks[c] = NO_U8;
    codes[c] = out;
    dicts[c] = dict;
  }

  private countFields(pos: number, line: number): number {
    let count = 0;
    for (;;) {
      const f = this.scanField(pos, line);
      count++;
      if (this.buf[f.end] !== this.delim) return count;
      pos = f.end + 1;
    }
  }

  private raggedRow(line: number, found: number, expected: number): DataError {
    return new DataError(`expected ${expected} fields, found ${found}`, this.file, line);
  }

  private badUtf8(line: number): never {
    throw new DataError('invalid UTF-8 text', this.file, line);
  }
}

function grow<T extends Float64Array | Uint8Array | Int32Array>(a: T, cap: number): T {
  if (a.length === 0) return a;
  const out = new (a.constructor as new (n: number) => T)(cap);
  out.set(a);
  return out;
}

/** The first n entries; shares the buffer when the estimate was exact (the usual case). */
function view<T extends Float64Array | Uint8Array | Int32Array>(a: T, n: number): T {
  return (a.length === n ? a : a.subarray(0, n)) as T;
}

/**
 * Lines in buf[start, end) counting a last one without a line end: the row count of the usual
 * file (no blank lines, no quoted newlines). Buffer#indexOf is memchr, far faster than a loop.
 */
export function countLines(buf: Buffer, start: number, end: number): number {
  let n = 1;
  for (let i = buf.indexOf(LF, start); i >= 0 && i < end; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}

function fit<T extends Float64Array | Uint8Array | Int32Array>(a: T, n: number): T {
  return (a.length === n ? a : a.slice(0, n)) as T;
}

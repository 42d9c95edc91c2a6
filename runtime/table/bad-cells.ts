// The rule for a column of numbers with a few cells that are not numbers ("bad cells":
// `abc`, `1e400` which overflows a double, `Infinity`), shared by the CSV and JSON readers.
//
// One stray cell must not turn a column of numbers into a category (a later stage would then
// one-hot it, or refuse to scale it). So a column stays a number column when its bad cells
// are few: at most MAX_BAD_CELLS of them, and numbers at least 95 % of its non-missing cells
// (NUMBERS_PER_BAD_CELL numbers per bad cell). The bad cells are then read as missing and
// the reader warns, counting them and naming the first few. A column with more text than
// that is a category column, as before. Both conditions depend only on the column's totals,
// so a reader may decide early (and the parallel CSV reader per chunk) without changing
// the outcome.

/** A number column may hold at most this many bad cells. */
export const MAX_BAD_CELLS = 1000;
/** ...and at least this many numbers per bad cell (95 % numbers). */
export const NUMBERS_PER_BAD_CELL = 19;
/** How many bad cells a warning names. */
export const BAD_CELLS_NAMED = 3;

/** Whether a column with `numbers` number cells and `bad` bad cells stays a number column. */
export function staysNumeric(numbers: number, bad: number): boolean {
  return bad === 0 || (bad <= MAX_BAD_CELLS && numbers >= NUMBERS_PER_BAD_CELL * bad);
}

/**
 * True when `bad` bad cells already rule a number column out, whatever the other cells are,
 * in a read of at most `maxCells` cells in this column.
 */
export function cannotStayNumeric(bad: number, maxCells: number): boolean {
  return bad > MAX_BAD_CELLS || NUMBERS_PER_BAD_CELL * bad > maxCells - bad;
}

/** One bad cell: where it is (a CSV line or a JSON record index) and its text. */
export interface BadCell {
  where: string;
  text: string;
  /** Why it is not a number, when its text does not tell (default whyNotNumber(text)). */
  why?: string;
}

/** The bad cells of one column that stayed a number column. */
export interface BadCells {
  column: string;
  count: number;
  /** The first BAD_CELLS_NAMED of them. */
  first: BadCell[];
}

/** A note from a reader about data it read (it never changes what was read). */
export interface ReadWarning {
  code: 'bad-cells';
  message: string;
  column: string;
  count: number;
}

/** Why a cell is not a number, in a few words (for the warning). */
export function whyNotNumber(text: string): string {
  const v = Number(text.trim());
  if (v === Infinity || v === -Infinity) return /infinity/i.test(text) ? 'infinite' : 'too large for a number';
  return 'not a number';
}

export function badCellsWarning(bad: BadCells): ReadWarning {
  const cells = bad.count === 1 ? '1 cell is not a number and was' : `${bad.count} cells are not numbers and were`;
  const named = bad.first.map((c) => `${c.where} ${JSON.stringify(c.text)} (${c.why ?? whyNotNumber(c.text)})`).join(', ');
  const more = bad.count > bad.first.length ? `, and ${bad.count - bad.first.length} more` : '';
  return {
    code: 'bad-cells',
    column: bad.column,
    count: bad.count,
    message: `number column '${bad.column}': ${cells} read as missing: ${named}${more}`,
  };
}

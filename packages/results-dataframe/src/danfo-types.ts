import { DataFrame, NDframe, Series, Utils } from "danfojs-node";

/** A row label of a danfo index. */
export type IndexLabel = string | number;

/**
 * Whether a value is a danfo DataFrame. Frames that danfo operations return are
 * instances of danfo's base class, not of danfojs-node's `DataFrame`, so test the
 * shared base (`NDframe`) and the dimension.
 */
export function isDataFrame(value: unknown): value is DataFrame {
  return value instanceof NDframe && value.ndim === 2;
}

/** Whether a value is a danfo Series (see `isDataFrame`). */
export function isSeries(value: unknown): value is Series {
  return value instanceof NDframe && value.ndim === 1;
}

const utils = new Utils() as unknown as { $typeChecker(values: readonly unknown[]): string };

const SAMPLE = 20;

/**
 * danfo's own dtype inference for one column (the first 20 cells), so results
 * match building the frame directly, except that missing values no longer turn
 * booleans and Dates into `float32`.
 */
export function inferDtype(values: readonly unknown[]): string {
  if (values.length === 0) return "undefined";
  const sample = values.slice(0, SAMPLE);
  const present = sample.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.length < sample.length) {
    if (present.every((v) => typeof v === "boolean")) return "boolean";
    if (present.every((v) => v instanceof Date)) return "datetime";
  }
  return utils.$typeChecker(values);
}

/**
 * Build a danfo DataFrame from column arrays. danfo's object-of-columns form
 * reorders integer-like column names (JavaScript key order), so rows are built
 * here and passed with explicit column names; `positions[c]`, when given, maps a
 * result row to the row of column `c` (label alignment).
 */
export function frameFromColumns(
  columns: readonly (readonly unknown[])[],
  names: readonly string[],
  dtypes: readonly string[],
  index: readonly IndexLabel[] | undefined,
  rows: number,
  positions?: readonly (readonly number[] | undefined)[],
): DataFrame {
  const data: unknown[][] = new Array(rows);
  const width = columns.length;
  for (let r = 0; r < rows; r++) data[r] = new Array(width);
  for (let c = 0; c < width; c++) {
    const col = columns[c];
    const at = positions?.[c];
    if (at) for (let r = 0; r < rows; r++) data[r][c] = col[at[r]];
    else for (let r = 0; r < rows; r++) data[r][c] = col[r];
  }
  return new DataFrame(data, {
    columns: [...names],
    dtypes: [...dtypes],
    ...(index ? { index: [...index] } : {}),
  });
}

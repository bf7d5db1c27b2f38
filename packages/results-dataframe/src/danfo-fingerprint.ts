import { registerFingerprint, type Fingerprinter } from "@hamilton-ts/kernel/contracts";
import type { DataFrame, Series } from "danfojs-node";
import { isDataFrame, isSeries } from "./danfo-types.js";

// A danfo frame is fingerprinted by what a reader of it can see: column names
// and dtypes, the index labels, and every column's values. A column of numbers
// is handed to the kernel as a Float64Array (hashed natively, in bulk); any
// other column as its array of values (strings, booleans, Dates, nulls), so a
// column of 1s and a column of "1"s differ as their dtypes already say.

function columnOf(values: readonly unknown[]): unknown {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== "number") return [...values];
  return Float64Array.from(values as number[]);
}

/** Fingerprints a danfo DataFrame by columns, dtypes, index and values. */
export const danfoDataFrameFingerprint: Fingerprinter<DataFrame> = {
  id: "danfojs/dataframe",
  test: isDataFrame,
  fingerprint(frame) {
    const columns = frame.shape[0] === 0 ? frame.columns.map(() => []) : (frame.getColumnData as unknown[][]);
    return { columns: [...frame.columns], dtypes: [...frame.dtypes], index: [...frame.index], data: columns.map(columnOf) };
  },
};

/** Fingerprints a danfo Series by name, dtype, index and values. */
export const danfoSeriesFingerprint: Fingerprinter<Series> = {
  id: "danfojs/series",
  test: isSeries,
  fingerprint: (series) => ({
    name: String(series.columns[0]),
    dtype: series.dtype,
    index: [...series.index],
    data: columnOf(series.values as unknown[]),
  }),
};

registerFingerprint(danfoDataFrameFingerprint);
registerFingerprint(danfoSeriesFingerprint);

import { registerColumnAccess, type ColumnAccess } from "@hamilton-ts/kernel/contracts";
import { Series, type DataFrame } from "danfojs-node";
import { isDataFrame } from "./danfo-types.js";

/**
 * How `extractColumns` reads a danfo DataFrame: each column node gets the
 * column as a `Series` with the frame's index (as Hamilton's pandas columns
 * keep theirs); `fillWith` makes a Series of one value on that index.
 * Registered when `@hamilton-ts/results-dataframe` is imported.
 */
export const danfoDataFrameColumns: ColumnAccess<DataFrame> = {
  id: "danfojs.DataFrame",
  test: isDataFrame,
  columnNames: (df) => df.columns,
  column: (df, name) => df.column(name),
  filled: (df, value) => new Series(Array.from({ length: df.shape[0] }, () => value), { index: df.index }),
};

registerColumnAccess(danfoDataFrameColumns);

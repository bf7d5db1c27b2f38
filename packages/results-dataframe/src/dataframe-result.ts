import { ResultColumns, ResultMixin } from "@hamilton-ts/kernel/contracts";
import type { DataFrame } from "danfojs-node";
import { DataFrameResultError } from "./dataframe-result-error.js";
import { frameFromColumns, inferDtype, isDataFrame, isSeries, type IndexLabel } from "./danfo-types.js";
import { alignIndexes, requireOneIndexType, type IndexedOutput } from "./dataframe-index.js";

/** A value `DataFrameResult` repeats down a column. */
export type DataFrameScalar = number | string | boolean | Date | null | undefined;

interface Column {
  readonly name: string;
  /** The output the column came from. */
  readonly output: string;
  readonly values?: readonly unknown[];
  readonly scalar?: DataFrameScalar;
  readonly dtype?: string;
}

/** Options of `buildDataFrame`. */
export interface BuildDataFrameOptions {
  /** Refuse outputs whose index types differ (`StrictIndexTypeDataFrameResult`). */
  readonly strictIndexType?: boolean;
}

function isScalar(value: unknown): value is DataFrameScalar {
  return value === null || value === undefined || value instanceof Date || ["number", "string", "boolean"].includes(typeof value);
}

function describe(value: unknown): string {
  if (typeof value === "object" && value !== null) return `an instance of ${value.constructor?.name || "an anonymous class"}`;
  return typeof value === "function" ? "a function" : typeof value;
}

function typedArrayColumn(output: string, value: ArrayBufferView): Column {
  if (value instanceof BigInt64Array || value instanceof BigUint64Array || value instanceof DataView) {
    throw new DataFrameResultError(
      `Output "${output}" is a ${value.constructor.name}, which danfo cannot hold as a column (it has no 64-bit integer or byte-view dtype). ` +
        `Convert it to numbers upstream (e.g. Float64Array.from(values, Number)).`,
      [output],
    );
  }
  const float = value instanceof Float32Array || value instanceof Float64Array;
  // danfo reads typed arrays as rows, not columns: hand it a plain array
  return { name: output, output, values: Array.from(value as Float64Array), dtype: float ? "float32" : "int32" };
}

/**
 * Build a danfo DataFrame from a run's outputs with Hamilton's rules (see
 * `DataFrameResult`).
 */
export function buildDataFrame(outputs: Record<string, unknown>, options: BuildDataFrameOptions = {}): DataFrame {
  const names = Object.keys(outputs);
  if (names.length === 1 && isDataFrame(outputs[names[0]])) return outputs[names[0]] as DataFrame;

  const table = new ResultColumns<Column>({
    builder: "DataFrameResult",
    tableKind: "DataFrame",
    error: (message, outputs) => new DataFrameResultError(message, outputs),
  });
  const indexed: IndexedOutput[] = [];

  for (const output of names) {
    const value = outputs[output];
    if (isDataFrame(value)) {
      const data = value.getColumnData as unknown[][];
      value.columns.forEach((col, i) => table.add({ name: `${output}.${col}`, output, values: data[i], dtype: value.dtypes[i] }));
      indexed.push({ output, index: value.index });
    } else if (isSeries(value)) {
      table.add({ name: output, output, values: value.values as unknown[], dtype: value.dtype });
      indexed.push({ output, index: value.index });
    } else if (Array.isArray(value)) table.add({ name: output, output, values: value });
    else if (ArrayBuffer.isView(value)) table.add(typedArrayColumn(output, value));
    else if (isScalar(value)) table.add({ name: output, output, scalar: value });
    else {
      throw new DataFrameResultError(
        `Output "${output}" is ${describe(value)}, which has no DataFrame column type. Return a DataFrame, Series, array, ` +
          `typed array or scalar (number, string, boolean, Date, null), or use DictResult for this output.`,
        [output],
      );
    }
  }

  const rows = table.rowCount(
    (c) => c.values?.length,
    "Hamilton would outer-join them on the index; danfo has no outer join on the index, so hamilton-ts requires equal lengths. " +
      "Make them the same length upstream, or request them separately with DictResult.",
  );
  const columns = table.columns;
  if (options.strictIndexType) requireOneIndexType(indexed);
  const { index, positions } = alignIndexes(indexed);
  const values = columns.map((c) => c.values ?? new Array<unknown>(rows).fill(c.scalar));
  const dtypes = columns.map((c, i) => c.dtype ?? inferDtype(values[i]));
  const at = positions.size ? columns.map((c) => positions.get(c.output)) : undefined;
  return frameFromColumns(values, columns.map((c) => c.name), dtypes, index as IndexLabel[] | undefined, rows, at);
}


/**
 * Builds a danfo DataFrame from a run's outputs, with Hamilton's DataFrame rules:
 * a single DataFrame output is returned as is; DataFrame outputs are unpacked
 * into columns named `output.column`; arrays, typed arrays and Series become
 * columns; scalars are repeated down the columns; all-scalar outputs make a
 * one-row frame. Rows align by index label when outputs carry the same labels;
 * different lengths or labels are a `DataFrameResultError` naming the outputs
 * (danfo has no outer join on the index).
 *
 * @example
 * const dr = new Driver({}, [pipeline], { adapter: new SimpleGraphAdapter(new DataFrameResult()) });
 * const df = (await dr.execute(["spend", "signups"])) as DataFrame;
 */
export class DataFrameResult extends ResultMixin {
  static override buildResult(outputs: Record<string, unknown>): DataFrame {
    return buildDataFrame(outputs);
  }
}

/**
 * Like `DataFrameResult`, but refuses outputs whose index types differ (as
 * Hamilton's `StrictIndexTypePandasDataFrameResult`): danfo's default 0..n-1
 * index, numeric labels and string labels are three different types. Plain
 * arrays and scalars carry no index and are always accepted.
 */
export class StrictIndexTypeDataFrameResult extends ResultMixin {
  static override buildResult(outputs: Record<string, unknown>): DataFrame {
    return buildDataFrame(outputs, { strictIndexType: true });
  }
}

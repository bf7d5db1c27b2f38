import { ResultMixin } from "@hamilton-ts/kernel";
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

  const columns: Column[] = [];
  const byName = new Map<string, Column>();
  const indexed: IndexedOutput[] = [];
  const add = (column: Column): void => {
    const previous = byName.get(column.name);
    if (previous) {
      throw new DataFrameResultError(
        `Column "${column.name}" is defined twice: by output "${previous.output}" and by output "${column.output}" ` +
          `(a DataFrame output "x" unpacks into columns "x.<column>"). Rename one of the outputs.`,
        [previous.output, column.output],
      );
    }
    byName.set(column.name, column);
    columns.push(column);
  };

  for (const output of names) {
    const value = outputs[output];
    if (isDataFrame(value)) {
      const data = value.getColumnData as unknown[][];
      value.columns.forEach((col, i) => add({ name: `${output}.${col}`, output, values: data[i], dtype: value.dtypes[i] }));
      indexed.push({ output, index: value.index });
    } else if (isSeries(value)) {
      add({ name: output, output, values: value.values as unknown[], dtype: value.dtype });
      indexed.push({ output, index: value.index });
    } else if (Array.isArray(value)) add({ name: output, output, values: value });
    else if (ArrayBuffer.isView(value)) add(typedArrayColumn(output, value));
    else if (isScalar(value)) add({ name: output, output, scalar: value });
    else {
      throw new DataFrameResultError(
        `Output "${output}" is ${describe(value)}, which has no DataFrame column type. Return a DataFrame, Series, array, ` +
          `typed array or scalar (number, string, boolean, Date, null), or use DictResult for this output.`,
        [output],
      );
    }
  }

  const rows = rowCount(columns);
  if (options.strictIndexType) requireOneIndexType(indexed);
  const { index, positions } = alignIndexes(indexed);
  const values = columns.map((c) => c.values ?? new Array<unknown>(rows).fill(c.scalar));
  const dtypes = columns.map((c, i) => c.dtype ?? inferDtype(values[i]));
  const at = positions.size ? columns.map((c) => positions.get(c.output)) : undefined;
  return frameFromColumns(values, columns.map((c) => c.name), dtypes, index as IndexLabel[] | undefined, rows, at);
}

/** The common length of the column-shaped outputs (1 if all are scalars), or an error naming them. */
function rowCount(columns: readonly Column[]): number {
  const lengths = new Map<number, Set<string>>();
  for (const c of columns) {
    if (!c.values) continue;
    const set = lengths.get(c.values.length) ?? new Set<string>();
    set.add(c.output);
    lengths.set(c.values.length, set);
  }
  if (lengths.size === 0) return 1;
  if (lengths.size > 1) {
    const detail = [...lengths].map(([n, outputs]) => `${[...outputs].map((o) => `"${o}"`).join(", ")} ha${outputs.size > 1 ? "ve" : "s"} ${n} rows`);
    throw new DataFrameResultError(
      `DataFrameResult needs outputs of one length, but ${detail.join("; ")}. Hamilton would outer-join them on the index; danfo has ` +
        `no outer join on the index, so hamilton-ts requires equal lengths. Make them the same length upstream, or request them separately with DictResult.`,
      [...new Set([...lengths.values()].flatMap((s) => [...s]))],
    );
  }
  return lengths.keys().next().value as number;
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

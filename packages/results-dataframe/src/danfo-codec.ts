import { registerCodec, type Codec } from "@hamilton-ts/kernel/contracts";
import { Series, type DataFrame } from "danfojs-node";
import { frameFromColumns, isDataFrame, isSeries, type IndexLabel } from "./danfo-types.js";

/** The package whose import registers the danfo codecs (so a worker can load them on demand). */
const MODULE = "@hamilton-ts/results-dataframe";

/**
 * A column on the wire: numeric columns with no missing values travel as a
 * Float64Array whose buffer is transferred; anything else as a plain array.
 */
type WireColumn = Float64Array | unknown[];

interface WireFrame {
  readonly columns: string[];
  readonly dtypes: string[];
  readonly index: IndexLabel[];
  readonly data: WireColumn[];
}

interface WireSeries {
  readonly name: string;
  readonly dtype: string;
  readonly index: IndexLabel[];
  readonly data: WireColumn;
}

function packColumn(values: readonly unknown[], dtype: string, transfer: ArrayBuffer[]): WireColumn {
  if (dtype === "float32" || dtype === "int32") {
    let numeric = true;
    for (let i = 0; i < values.length && numeric; i++) numeric = typeof values[i] === "number";
    if (numeric) {
      const packed = Float64Array.from(values as number[]);
      transfer.push(packed.buffer);
      return packed;
    }
  }
  return [...values];
}

function unpackColumn(column: WireColumn): unknown[] {
  return column instanceof Float64Array ? Array.from(column) : column;
}

function isDefaultIndex(index: readonly IndexLabel[]): boolean {
  for (let i = 0; i < index.length; i++) if (index[i] !== i) return false;
  return true;
}

/**
 * Codec for danfo DataFrames: column arrays with their names, dtypes and index,
 * so a frame crosses to a worker (or process) and back as it was.
 */
export const danfoDataFrameCodec: Codec<DataFrame> = {
  id: "danfojs/dataframe",
  module: MODULE,
  test: isDataFrame,
  encode(frame) {
    const transfer: ArrayBuffer[] = [];
    const dtypes = [...frame.dtypes];
    const columns = frame.shape[0] === 0 ? frame.columns.map(() => []) : (frame.getColumnData as unknown[][]);
    const data = columns.map((values, i) => packColumn(values, dtypes[i], transfer));
    const wire: WireFrame = { columns: [...frame.columns], dtypes, index: [...frame.index], data };
    return { data: wire, transfer };
  },
  decode(data) {
    const wire = data as WireFrame;
    const rows = wire.index.length;
    return frameFromColumns(wire.data.map(unpackColumn), wire.columns, wire.dtypes, isDefaultIndex(wire.index) ? undefined : wire.index, rows);
  },
};

/** Codec for danfo Series: values, name, dtype and index (see `danfoDataFrameCodec`). */
export const danfoSeriesCodec: Codec<Series> = {
  id: "danfojs/series",
  module: MODULE,
  test: isSeries,
  encode(series) {
    const transfer: ArrayBuffer[] = [];
    const wire: WireSeries = {
      name: String(series.columns[0]),
      dtype: series.dtype,
      index: [...series.index],
      data: packColumn(series.values as unknown[], series.dtype, transfer),
    };
    return { data: wire, transfer };
  },
  decode(data) {
    const wire = data as WireSeries;
    return new Series(unpackColumn(wire.data) as number[], { columns: [wire.name], dtypes: [wire.dtype], index: [...wire.index] });
  },
};

registerCodec(danfoDataFrameCodec);
registerCodec(danfoSeriesCodec);

import "./danfo-codec.js";
import "./danfo-fingerprint.js";
import "./danfo-columns.js";

export { DataFrameResult, StrictIndexTypeDataFrameResult, buildDataFrame } from "./dataframe-result.js";
export type { BuildDataFrameOptions, DataFrameScalar } from "./dataframe-result.js";
export { SimpleDataFrameGraphAdapter } from "./simple-dataframe-graph-adapter.js";
export { DataFrameResultError } from "./dataframe-result-error.js";
export { danfoDataFrameCodec, danfoSeriesCodec } from "./danfo-codec.js";
export { danfoDataFrameFingerprint, danfoSeriesFingerprint } from "./danfo-fingerprint.js";
export { danfoDataFrameColumns } from "./danfo-columns.js";
export { isDataFrame, isSeries } from "./danfo-types.js";
export type { IndexLabel } from "./danfo-types.js";
export type { IndexType } from "./dataframe-index.js";

import "./arrow-codec.js";

export { ArrowTableResult } from "./arrow-table-result.js";
export { ArrowResultError } from "./arrow-result-error.js";
export { arrowTableCodec, arrowVectorCodec } from "./arrow-codec.js";
export type { ArrowScalar } from "./arrow-column.js";

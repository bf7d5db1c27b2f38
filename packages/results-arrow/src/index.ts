import "./arrow-codec.js";
import "./arrow-fingerprint.js";
import "./arrow-columns.js";

export { ArrowTableResult } from "./arrow-table-result.js";
export { ArrowResultError } from "./arrow-result-error.js";
export { arrowTableCodec, arrowVectorCodec } from "./arrow-codec.js";
export { arrowTableFingerprint, arrowVectorFingerprint } from "./arrow-fingerprint.js";
export { arrowTableColumns } from "./arrow-columns.js";
export type { ArrowScalar } from "./arrow-column.js";

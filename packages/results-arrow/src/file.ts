// `@hamilton-ts/results-arrow/file`: Node-only helpers, kept apart so the main entry stays browser-safe.
export { writeArrowFile, readArrowFile } from "./arrow-file.js";

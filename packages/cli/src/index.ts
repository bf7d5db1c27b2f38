// Progress display, usable by library users as a lifecycle adapter
export { ProgressAdapter } from "./progress/progress-adapter.js";
export type { ProgressAdapterOptions, ProgressStream } from "./progress/progress-adapter.js";
export type { ProgressSnapshot, BlockProgress, NodeTiming } from "./progress/snapshot.js";
export { formatDuration } from "./progress/render.js";

// Drawing: DOT from Driver.visualizeExecution() / displayAllFunctions() to SVG (no system tool) or PNG
export { renderDot } from "./render-dot.js";
export type { GraphFormat, RenderDotOptions } from "./render-dot.js";

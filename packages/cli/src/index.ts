// Progress display, usable by library users as a lifecycle adapter
export { ProgressAdapter } from "./progress/progress-adapter.js";
export type { ProgressAdapterOptions, ProgressStream, ProgressSnapshot, BlockProgress } from "./progress/progress-adapter.js";
export type { NodeTiming } from "./progress/render.js";
export { formatDuration } from "./progress/render.js";
export { planBlocks, pathOfTask } from "./progress/block-plan.js";
export type { BlockPlan, GraphSource } from "./progress/block-plan.js";

// Drawing: DOT from Driver.visualizeExecution() / displayAllFunctions() to SVG (no system tool) or PNG
export { renderDot } from "./render-dot.js";
export type { GraphFormat, RenderDotOptions } from "./render-dot.js";

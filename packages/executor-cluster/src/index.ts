/**
 * @hamilton-ts/executor-cluster — run hamilton-ts tasks in child processes.
 * The distributed BullMQ executor lives in `@hamilton-ts/executor-cluster/bullmq`.
 */
export { MultiProcessingExecutor } from "./process/multi-processing-executor.js";
export type { MultiProcessingExecutorOptions } from "./process/multi-processing-executor.js";

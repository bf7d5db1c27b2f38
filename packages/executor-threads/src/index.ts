export { MultiThreadingExecutor } from "./multi-threading-executor.js";
export type { MultiThreadingExecutorOptions } from "./multi-threading-executor.js";

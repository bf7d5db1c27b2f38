export { MultiThreadingExecutor } from "./multi-threading-executor.js";
export type { MultiThreadingExecutorOptions } from "./multi-threading-executor.js";
// the transport alone, for pools of other executors that run tasks on threads (the BullMQ worker's)
export { ThreadTransport } from "./thread-transport.js";
export type { ThreadSpawnOptions } from "./thread-transport.js";

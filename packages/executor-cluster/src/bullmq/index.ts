export { BullMQExecutor } from "./bullmq-executor.js";
export type { BullMQExecutorOptions } from "./bullmq-executor.js";
export { startWorker } from "./start-worker.js";
export type { StartWorkerOptions, BullMQWorkerHandle } from "./start-worker.js";
export { parseRedisUrl, toConnectionOptions } from "./connection.js";
export type { RedisConnection, ParsedRedisUrl } from "./connection.js";
export type { JobData, JobOutcome } from "./payload.js";

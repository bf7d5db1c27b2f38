export { BullMQExecutor } from "./bullmq-executor.js";
export { DEFAULT_CODEC_MODULES } from "./job-format.js";
export type { BullMQExecutorOptions } from "./bullmq-executor.js";
export { startWorker, DEFAULT_WORKER_OPTIONS } from "./start-worker.js";
export type { StartWorkerOptions, BullMQWorkerHandle } from "./start-worker.js";
export { parseRedisUrl, toConnectionOptions } from "./connection.js";
export type { RedisConnection, ParsedRedisUrl } from "./connection.js";
export type { JobData, JobOutcome, JobPayload, JobShape } from "./job-format.js";

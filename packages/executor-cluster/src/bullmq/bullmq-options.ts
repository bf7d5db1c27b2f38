import type { BackoffOptions, JobsOptions } from "bullmq";
import type { RedisConnection } from "./connection.js";

/** Options of `BullMQExecutor`. */
export interface BullMQExecutorOptions {
  /** Redis: a `redis://`/`rediss://` URL, ioredis options (auth, TLS, db) or an ioredis instance. */
  readonly connection: RedisConnection;
  /** The queue workers listen on (`startWorker({ queueName })`). */
  readonly queueName: string;
  /** BullMQ key prefix (default `bull`); must match the workers'. */
  readonly prefix?: string;
  /**
   * BullMQ attempts per job (default 1). With more than 1, a node that throws is
   * retried (with `backoff`) until the last attempt, whose error is reported.
   * A job whose worker died is handed to another worker by stalled-job recovery
   * whatever this says (see the worker's `maxStalledCount`).
   */
  readonly attempts?: number;
  /** BullMQ backoff between attempts: ms, or `{ type: "exponential", delay }`. */
  readonly backoff?: number | BackoffOptions;
  /**
   * Longest one attempt of a task may run in a worker (default: no bound). The
   * worker stops an overrunning task (its thread is replaced) and the task
   * fails with a `TimeoutError` naming the node. A node's own `timeoutMs` applies too.
   */
  readonly taskTimeoutMs?: number;
  /** How long Redis may be unreachable before in-flight tasks reject (default 10 s). */
  readonly connectionTimeoutMs?: number;
  /**
   * How long tasks wait while no worker listens on the queue before they fail
   * (default 15 s). `Infinity` waits for workers that scale up from zero.
   */
  readonly noWorkerTimeoutMs?: number;
  /** Branch tasks of a parallel block sent together in one job (default 1). Larger chunks cut per-job overhead for small tasks. */
  readonly chunkSize?: number;
  /** Tasks in flight at once, queued or running (default 1000 jobs' worth: `1000 × chunkSize`); the kernel waits beyond that. */
  readonly maxInFlight?: number;
  /** Codec modules a result may ask the driver to import (default: hamilton-ts's Arrow and DataFrame codecs). */
  readonly codecModules?: readonly string[];
  /** How often unanswered jobs are looked up directly in Redis, in case an event was missed (default 3 s). */
  readonly sweepIntervalMs?: number;
  /** Extra BullMQ job options. Finished jobs are kept 10 min (completed) and 1 h (failed) by default. */
  readonly jobOptions?: Pick<JobsOptions, "priority" | "removeOnComplete" | "removeOnFail" | "lifo">;
}

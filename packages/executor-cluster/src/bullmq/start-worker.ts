import { Worker, type Job, type WorkerOptions } from "bullmq";
import { cachedTaskRunner, failureFor, runWireTask, type ModuleLocation, type TaskRunner, type WireNodeEvent, type WireTaskResult } from "@hamilton-ts/kernel/remote";
import { toConnectionOptions, type RedisConnection } from "./connection.js";
import { DEFAULT_CODEC_MODULES, fromBase64, toBase64, validateRequests, type JobData, type JobOutcome } from "./payload.js";

/** Options of `startWorker`. */
export interface StartWorkerOptions {
  /** Redis: a `redis://`/`rediss://` URL, ioredis options (auth, TLS, db) or an ioredis instance. */
  readonly connection: RedisConnection;
  /** The queue the driver's `BullMQExecutor` sends to. */
  readonly queueName: string;
  /** The same module locations the driver was built with (paths or `file:` URLs, or package specifiers). */
  readonly modules: readonly ModuleLocation[];
  /** The same config the driver was built with. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Jobs run at once in this process (default 1: nodes are usually CPU-bound). */
  readonly concurrency?: number;
  /** BullMQ key prefix (default `bull`); must match the executor's. */
  readonly prefix?: string;
  /** As `Builder.allowModuleOverrides`: must match the driver's. */
  readonly allowModuleOverrides?: boolean;
  /** Codec modules a payload may ask this worker to import (default: hamilton-ts's Arrow and DataFrame codecs). */
  readonly codecModules?: readonly string[];
  /** Passed through to BullMQ's `Worker`, e.g. `lockDuration`, `stalledInterval`, `maxStalledCount`. */
  readonly workerOptions?: Omit<WorkerOptions, "connection" | "concurrency" | "prefix" | "autorun">;
}

/** A running worker. */
export interface BullMQWorkerHandle {
  /** The underlying BullMQ worker, for events (`failed`, `error`, …). */
  readonly worker: Worker<JobData, string>;
  /** The fingerprint of the graph this worker built; tasks from a different graph are refused. */
  readonly graphFingerprint: string;
  /** Stop taking jobs, let the active ones finish, and close the Redis connections. */
  close(): Promise<void>;
}

/**
 * Start a worker that runs hamilton-ts tasks from a BullMQ queue. It imports the
 * given modules and builds the graph once (an import or graph error rejects
 * here), then runs the nodes each job names, by name. Code never travels: a job
 * naming a node these modules do not define, or sent by a driver whose graph
 * fingerprint differs, fails with a clear error.
 *
 * @example
 * const w = await startWorker({ connection: "redis://127.0.0.1:6379", queueName: "hamilton",
 *   modules: [new URL("./pipeline.js", import.meta.url)], config: {}, concurrency: 1 });
 * process.on("SIGTERM", () => w.close());
 */
export async function startWorker(options: StartWorkerOptions): Promise<BullMQWorkerHandle> {
  const allowed = options.codecModules ?? DEFAULT_CODEC_MODULES;
  // a job is not trusted: it may use only this worker's own codec allow-list
  const runnerOptions = { modules: options.modules, config: options.config ?? {}, allowModuleOverrides: options.allowModuleOverrides ?? false, codecModules: allowed };
  const runner = await cachedTaskRunner(runnerOptions);
  const worker = new Worker<JobData, string>(options.queueName, (job) => processJob(runner, job), {
    ...options.workerOptions,
    connection: toConnectionOptions(options.connection),
    concurrency: options.concurrency ?? 1,
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    autorun: true,
  });
  // An 'error' listener keeps a Redis hiccup from crashing the process; BullMQ reconnects by itself.
  worker.on("error", () => undefined);
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    worker,
    graphFingerprint: runner.fingerprint,
    close: () => (closing ??= worker.close()),
  };
}

/** Whether a failed attempt should be thrown to BullMQ (so it retries) rather than returned. */
function shouldRetry(job: Job<JobData, string>, result: WireTaskResult): boolean {
  if (result.ok || result.kind !== "NodeExecutionError") return false;
  const attempts = job.opts.attempts ?? 1;
  return job.attemptsMade + 1 < attempts;
}

async function processJob(runner: TaskRunner, job: Job<JobData, string>): Promise<string> {
  const data = job.data;
  const taskIds = Array.isArray(data?.taskIds) ? data.taskIds.map(String) : [String(job.id)];
  let requests;
  try {
    if (data?.v !== 1 || typeof data.payload !== "string") throw new Error(`Job ${job.id} is not a hamilton-ts task (payload format ${String(data?.v)}).`);
    requests = validateRequests(fromBase64(data.payload));
  } catch (error) {
    const outcome: JobOutcome = { results: taskIds.map((id) => failureFor(id, error)), events: taskIds.map(() => []) };
    return toBase64(outcome);
  }
  const results: WireTaskResult[] = [];
  const events: WireNodeEvent[][] = [];
  for (const req of requests) {
    const mine: WireNodeEvent[] = [];
    const { result } = await runWireTask(runner, req, { events: data.events !== false, onNodeEvent: (e) => mine.push(e), sharedMemory: false });
    if (shouldRetry(job, result)) {
      const failure = result as Extract<WireTaskResult, { ok: false }>;
      throw new Error(`Node "${failure.nodeName}" (task ${failure.taskId}) failed: ${failure.error.message}`);
    }
    results.push(result);
    events.push(mine);
  }
  return toBase64({ results, events } satisfies JobOutcome);
}

import { Worker, type Job, type WorkerOptions } from "bullmq";
import type { ResourceLimits } from "node:worker_threads";
import { ExecutorError, GraphError } from "@hamilton-ts/kernel";
import type { ExecutorContext } from "@hamilton-ts/kernel/contracts";
import { toModuleUrl, type ModuleLocation } from "@hamilton-ts/kernel/remote";
import { closeClient, createClient, type RedisConnection } from "./connection.js";
import { DEFAULT_CODEC_MODULES, isJobData, toBase64, wireFailure, type JobData, type JobOutcome, type JobPayload } from "./job-format.js";
import { decodeSetup, matchModules, setupKey, stableText } from "./run-setup.js";
import { jobRun, type JobRun } from "./job-run.js";
import { decodePayload, runJob } from "./worker-jobs.js";
import { WorkerPool } from "./worker-pool.js";

/**
 * BullMQ worker options hamilton-ts sets unless you pass your own: a killed or
 * stopped worker's job is handed to another worker within about
 * `lockDuration + stalledInterval` (5–7 s) instead of BullMQ's 30–60 s. Nodes
 * run in worker threads (only tasks shown to take microseconds run inline), so
 * a long node never delays the lock renewals.
 */
export const DEFAULT_WORKER_OPTIONS = { lockDuration: 5000, stalledInterval: 2000, maxStalledCount: 1 } as const;

/** Options of `startWorker`. */
export interface StartWorkerOptions {
  /** Redis: a `redis://`/`rediss://` URL, ioredis options (auth, TLS, db) or an ioredis instance. */
  readonly connection: RedisConnection;
  /** The queue the drivers' `BullMQExecutor` sends to. */
  readonly queueName: string;
  /**
   * The modules this worker may run (paths, `file:` URLs or package specifiers):
   * an allow-list, not one graph. Each job names the modules its driver built
   * from; the worker builds one graph per (modules, config) and caches it.
   */
  readonly modules: readonly ModuleLocation[];
  /** When given, jobs must have been built with exactly this config; otherwise each job's own config is used. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Jobs run at once, each in a worker thread of its own (default 1). */
  readonly concurrency?: number;
  /** BullMQ key prefix (default `bull`); must match the executor's. */
  readonly prefix?: string;
  /** Codec modules a payload may ask this worker to import (default: hamilton-ts's Arrow and DataFrame codecs). */
  readonly codecModules?: readonly string[];
  /** Largest job payload accepted (default 64 MiB); a larger one is refused before it is decoded. */
  readonly maxPayloadBytes?: number;
  /**
   * Kept for compatibility; no longer used. A job's frame is decoded in the
   * main thread, bounded by `maxPayloadBytes`; its values are decoded by the
   * thread that runs their task, within the task's timeout.
   */
  readonly decodeTimeoutMs?: number;
  /** Limits of each worker thread, e.g. `{ maxOldGenerationSizeMb }`: a node past them kills its thread, not the worker. */
  readonly resourceLimits?: ResourceLimits;
  /**
   * Run tasks that take a few microseconds in the worker's main thread, once
   * its threads have shown a template to take under 50 µs a task (default
   * true): a hop to a thread costs more than such a task. A task with a
   * timeout, and any template that ever killed its thread or ran long, stays
   * in the threads. The main thread then imports the pipeline's modules too.
   */
  readonly inlineTinyTasks?: boolean;
  /** Node flags of the worker threads (default: the process's own). */
  readonly execArgv?: readonly string[];
  /**
   * Passed through to BullMQ's `Worker`, e.g. `lockDuration`, `stalledInterval`,
   * `maxStalledCount` (defaults in `DEFAULT_WORKER_OPTIONS`).
   */
  readonly workerOptions?: Omit<WorkerOptions, "connection" | "concurrency" | "prefix" | "autorun">;
}

/** A running worker. */
export interface BullMQWorkerHandle {
  /** The underlying BullMQ worker, for events (`failed`, `error`, …). */
  readonly worker: Worker<JobData, string>;
  /** Stop taking jobs, let the active ones finish, stop the threads and close the Redis connections. */
  close(): Promise<void>;
}

const MAX_SETUPS = 256;

/**
 * Start a worker that runs hamilton-ts tasks from a BullMQ queue, for every
 * pipeline built from the given modules. Nodes run in worker threads (the
 * kernel's task pool); a thread imports the modules before this resolves (an
 * import error rejects here), and each thread builds a job's graph the first
 * time a job of its setup arrives. Code never travels: a job naming a module outside the
 * list, a node these modules do not define, or whose driver's graph
 * fingerprint differs from the graph the worker builds, fails with a clear
 * error. Works with BullMQ 5 and 6.
 *
 * @example
 * const w = await startWorker({ connection: "redis://127.0.0.1:6379", queueName: "hamilton",
 *   modules: [new URL("./sales.js", import.meta.url), new URL("./marketing.js", import.meta.url)], concurrency: 2 });
 * process.on("SIGTERM", () => w.close());
 */
export async function startWorker(options: StartWorkerOptions): Promise<BullMQWorkerHandle> {
  if (!options?.queueName) throw new Error("startWorker needs a queueName (the queue the drivers' BullMQExecutor sends to).");
  if (!options.modules?.length) throw new Error("startWorker needs modules: the pipeline modules this worker may run.");
  const prefix = options.prefix ?? "bull";
  const maxPayloadBytes = options.maxPayloadBytes ?? 64 * 1024 * 1024;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const codecModules = options.codecModules ?? DEFAULT_CODEC_MODULES;
  const pool = new WorkerPool({ size: concurrency, resourceLimits: options.resourceLimits, execArgv: options.execArgv, inlineTinyTasks: options.inlineTinyTasks ?? true });
  const allowed = options.modules.map((m) => toModuleUrl(m));
  try {
    await pool.warmUp(allowed, options.config ?? {});
  } catch (error) {
    pool.close();
    throw error;
  }
  const client = createClient(options.connection);
  client.on("error", () => undefined);
  const pinned = options.config !== undefined ? stableText(options.config) : undefined;
  // per setup id, the pool runs of its jobs: one with node events, one without
  const runs = new Map<string, Promise<readonly [JobRun, JobRun]>>();

  const runsOf = (id: string): Promise<readonly [JobRun, JobRun]> => {
    let s = runs.get(id);
    if (!s) {
      s = (async () => {
        const blob = await client.get(setupKey(prefix, options.queueName, id));
        if (blob === null) {
          throw new ExecutorError(
            "BullMQ worker",
            "unavailable",
            `The run setup ${id} is not in Redis (drivers write it when a run starts; was Redis flushed?). Run the driver again.`,
          );
        }
        const setup = decodeSetup(id, blob);
        if (pinned !== undefined && stableText(setup.config) !== pinned) {
          throw new GraphError(`The job's driver was built with config ${stableText(setup.config)}, but this worker serves only config ${pinned}.`);
        }
        // the worker's own locations of the job's modules (the allow-list), and its own codec allow-list: a job is not trusted
        const modules = matchModules(setup.modules, options.modules).map((url) => ({ name: url, exports: {}, location: url }));
        const context = (wantsNodeEvents: boolean): ExecutorContext => ({
          runId: `setup ${id}`,
          modules,
          config: setup.config,
          allowModuleOverrides: setup.allowModuleOverrides,
          graphFingerprint: setup.fingerprint,
          wantsNodeEvents,
          codecModules,
        });
        return [jobRun(context(false)), jobRun(context(true))] as const;
      })();
      s.catch(() => runs.delete(id)); // not cached: the setup may be written a moment later
      runs.set(id, s);
      if (runs.size > MAX_SETUPS) runs.delete(runs.keys().next().value!);
    }
    return s;
  };

  const refuse = (error: unknown): string => toBase64({ outputs: [], refused: wireFailure(error) } satisfies JobOutcome);

  const processJob = async (job: Job<JobData, string>): Promise<string> => {
    const data: unknown = job.data;
    if (!isJobData(data)) return refuse(new GraphError(`Job ${job.id} is not a hamilton-ts task (or comes from an incompatible version of @hamilton-ts/executor-cluster).`));
    if (Math.floor((data.p.length * 3) / 4) > maxPayloadBytes) {
      return refuse(new GraphError(`Job ${job.id} has a ${Math.round(data.p.length / 1024)} KiB payload, over this worker's maxPayloadBytes (${maxPayloadBytes} bytes).`));
    }
    let run: JobRun;
    let payload: JobPayload;
    try {
      const both = await runsOf(data.s);
      run = both[data.e === 1 ? 1 : 0];
      payload = decodePayload(String(job.id), data.p, maxPayloadBytes);
    } catch (error) {
      return refuse(error);
    }
    const result = await runJob(pool, run, String(job.id), payload, data.e === 1);
    // a node error with BullMQ attempts left: throw, so BullMQ retries the job
    if (result.nodeFailed && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw new Error(result.nodeFailed);
    return result.out;
  };

  const worker = new Worker<JobData, string>(options.queueName, processJob, {
    ...DEFAULT_WORKER_OPTIONS,
    ...options.workerOptions,
    connection: client as never,
    concurrency,
    prefix,
    autorun: true,
  });
  // An 'error' listener keeps a Redis hiccup from crashing the process; BullMQ reconnects by itself.
  worker.on("error", () => undefined);
  try {
    await worker.waitUntilReady();
  } catch (error) {
    await Promise.allSettled([worker.close(true)]);
    pool.close();
    await closeClient(client);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    worker,
    close: () =>
      (closing ??= (async () => {
        await worker.close();
        pool.close();
        await closeClient(client);
      })()),
  };
}

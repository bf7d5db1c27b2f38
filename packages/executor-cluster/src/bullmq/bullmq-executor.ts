import { Job, type BackoffOptions, type JobsOptions } from "bullmq";
import { abortErrorFrom, type ExecutorContext, type Task, type TaskExecutor } from "@hamilton-ts/kernel/contracts";
import { decodeTaskResult, encodeTaskRequest, errorFromWire, reportWireNodeEvent, type WireTaskRequest } from "@hamilton-ts/kernel/remote";
import { describeConnection, toConnectionOptions, type RedisConnection } from "./connection.js";
import { DEFAULT_CODEC_MODULES, fromBase64, importAllowedCodecs, jobIdFor, JOB_NAME, toBase64, type JobData, type JobOutcome } from "./payload.js";
import { closeSession, openSession, sessionUp, type Session } from "./session.js";

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
  /** Longest a task may take from submission to result, queueing included (default 30 min; `Infinity` for none). */
  readonly taskTimeoutMs?: number;
  /** How long Redis may be unreachable before in-flight tasks reject (default 10 s, at most `taskTimeoutMs`). */
  readonly connectionTimeoutMs?: number;
  /** Branch tasks of a parallel block sent together in one job (default 1). Larger chunks cut per-job overhead for small tasks. */
  readonly chunkSize?: number;
  /** Tasks in flight at once, queued or running (default 1000); the kernel waits beyond that. */
  readonly maxInFlight?: number;
  /** Codec modules a result may ask the driver to import (default: hamilton-ts's Arrow and DataFrame codecs). */
  readonly codecModules?: readonly string[];
  /** How often unanswered jobs are looked up directly in Redis, in case an event was missed (default 3 s). */
  readonly sweepIntervalMs?: number;
  /** Extra BullMQ job options. Finished jobs are kept 10 min (completed) and 1 h (failed) by default. */
  readonly jobOptions?: Pick<JobsOptions, "priority" | "removeOnComplete" | "removeOnFail" | "lifo">;
}

interface Slot {
  readonly task: Task;
  readonly resolve: (outputs: Record<string, unknown>) => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
}

interface PendingJob {
  readonly id: string;
  readonly runId: string;
  readonly slots: Slot[];
  readonly data: JobData;
  readonly submittedAt: number;
  lastChecked: number;
  added: boolean;
  cancelled: boolean;
  readds: number;
}

const MAX_READDS = 3;
const ADD_BATCH = 500;

/**
 * Runs tasks on a pool of worker processes or machines through a BullMQ queue on
 * Redis (specification v1). Each task (or chunk of branch tasks) becomes a job
 * whose id is derived from the run id and task id; its outputs come back as the
 * job's return value. Start workers with `startWorker` (or `hamilton-ts worker`)
 * on the same modules and config.
 *
 * Connections open at the start of each run and close when it ends, so a
 * program exits without calling `Driver.close()` (calling it is harmless).
 *
 * @example
 * const dr = await new Builder().withModules(new URL("./pipeline.js", import.meta.url))
 *   .enableDynamicExecution({ allowExperimentalMode: true })
 *   .withRemoteExecutor(new BullMQExecutor({ connection: "redis://127.0.0.1:6379", queueName: "hamilton" }))
 *   .build();
 */
export class BullMQExecutor implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  readonly requiresModuleLocations = true;
  private readonly opts: BullMQExecutorOptions;
  private readonly taskTimeoutMs: number;
  private readonly connectionTimeoutMs: number;
  private readonly sweepIntervalMs: number;
  private readonly chunkSize: number;
  private readonly maxInFlight: number;
  private readonly codecModules: readonly string[];
  private readonly where: string;
  private session: Session | undefined;
  private opening: Promise<Session> | undefined;
  private refs = 0;
  private readonly fingerprints = new Map<string, string>();
  private readonly wantsEvents = new Map<string, boolean>();
  private readonly pending = new Map<string, PendingJob>();
  private outbox: Slot[] = [];
  private flushScheduled = false;
  private inFlight = 0;
  private readonly watched = new WeakSet<AbortSignal>();
  private readonly removals = new Set<Promise<unknown>>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private downSince: number | undefined;
  private lastSweep = 0;
  private sweeping = false;

  constructor(options: BullMQExecutorOptions) {
    if (!options?.queueName) throw new Error("BullMQExecutor needs a queueName (the queue your workers listen on).");
    if (options.connection === undefined) throw new Error("BullMQExecutor needs a connection: a redis:// URL or ioredis options.");
    this.opts = options;
    this.taskTimeoutMs = options.taskTimeoutMs ?? 30 * 60_000;
    this.connectionTimeoutMs = Math.min(options.connectionTimeoutMs ?? 10_000, this.taskTimeoutMs);
    this.sweepIntervalMs = options.sweepIntervalMs ?? 3000;
    this.chunkSize = Math.max(1, Math.floor(options.chunkSize ?? 1));
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1000);
    this.codecModules = options.codecModules ?? DEFAULT_CODEC_MODULES;
    this.where = describeConnection(options.connection);
  }

  async init(context: ExecutorContext): Promise<void> {
    this.refs++;
    this.fingerprints.set(context.runId, context.graphFingerprint);
    this.wantsEvents.set(context.runId, context.wantsNodeEvents ?? true);
    if (this.session) return;
    this.opening ??= openSession({
      connection: toConnectionOptions(this.opts.connection),
      queueName: this.opts.queueName,
      prefix: this.opts.prefix,
      timeoutMs: this.connectionTimeoutMs,
      where: this.where,
    })
      .then((session) => {
        this.session = session;
        this.attach(session);
        this.downSince = undefined;
        this.ticker = setInterval(() => this.tick(), Math.max(50, Math.min(500, this.connectionTimeoutMs / 4)));
        this.ticker.unref();
        return session;
      })
      .finally(() => (this.opening = undefined));
    try {
      await this.opening;
    } catch (error) {
      this.refs--;
      this.fingerprints.delete(context.runId);
      throw error;
    }
  }

  canSubmitTask(): boolean {
    return this.inFlight < this.maxInFlight;
  }

  submitTask(task: Task): Promise<Record<string, unknown>> {
    if (!this.session) return Promise.reject(new Error("BullMQExecutor.submitTask was called before init() (or after finalize())."));
    if (task.signal.aborted) return Promise.reject(abortErrorFrom(task.signal));
    if (!this.watched.has(task.signal)) {
      this.watched.add(task.signal);
      const signal = task.signal;
      signal.addEventListener("abort", () => this.abortRun(task.runId, signal), { once: true });
    }
    return new Promise((resolve, reject) => {
      this.inFlight++;
      this.outbox.push({ task, resolve, reject, settled: false });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  async finalize(): Promise<void> {
    if (this.refs > 0) this.refs--;
    await this.settleRemovals();
    if (this.refs === 0) await this.shutdown(new Error("BullMQExecutor was finalized while this task was in flight."));
  }

  /** Close the Redis connections for good (nothing stays open between runs, so this is only needed mid-run). */
  async close(): Promise<void> {
    this.refs = 0;
    await this.settleRemovals();
    await this.shutdown(new Error("BullMQExecutor was closed while this task was in flight."));
  }

  // --- sending -------------------------------------------------------------------

  private flush(): void {
    const session = this.session;
    const slots = this.outbox;
    this.outbox = [];
    if (!session) {
      for (const s of slots) this.settle(s, undefined, new Error("BullMQExecutor was finalized before this task was sent."));
      return;
    }
    const groups: Slot[][] = [];
    const open = new Map<string, Slot[]>();
    for (const slot of slots) {
      if (slot.settled) continue;
      if (this.chunkSize > 1 && slot.task.isBlock) {
        let g = open.get(slot.task.runId);
        if (!g) open.set(slot.task.runId, (g = []));
        g.push(slot);
        if (g.length >= this.chunkSize) (groups.push(g), open.delete(slot.task.runId));
      } else groups.push([slot]);
    }
    for (const g of open.values()) groups.push(g);

    const jobs: PendingJob[] = [];
    for (const group of groups) {
      const requests: WireTaskRequest[] = [];
      const kept: Slot[] = [];
      for (const slot of group) {
        try {
          requests.push(encodeTaskRequest(slot.task, this.fingerprints.get(slot.task.runId) ?? ""));
          kept.push(slot);
        } catch (error) {
          this.settle(slot, undefined, error);
        }
      }
      if (kept.length === 0) continue;
      const runId = kept[0]!.task.runId;
      const taskIds = kept.map((s) => s.task.taskId);
      const id = jobIdFor(runId, taskIds);
      const existing = this.pending.get(id);
      if (existing) {
        existing.slots.push(...kept); // the same task submitted again: wait for the one job
        continue;
      }
      const data: JobData = { v: 1, runId, taskIds, events: this.wantsEvents.get(runId) ?? true, payload: toBase64({ requests }) };
      const now = Date.now();
      const job: PendingJob = { id, runId, slots: kept, data, submittedAt: now, lastChecked: now, added: false, cancelled: false, readds: 0 };
      this.pending.set(id, job);
      jobs.push(job);
    }
    for (let i = 0; i < jobs.length; i += ADD_BATCH) this.add(session, jobs.slice(i, i + ADD_BATCH));
  }

  private jobOptions(id: string): JobsOptions {
    const o = this.opts;
    return {
      removeOnComplete: { age: 600 },
      removeOnFail: { age: 3600 },
      ...o.jobOptions,
      jobId: id,
      attempts: Math.max(1, o.attempts ?? 1),
      ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
    };
  }

  private add(session: Session, jobs: PendingJob[]): void {
    session.queue.addBulk(jobs.map((j) => ({ name: JOB_NAME, data: j.data, opts: this.jobOptions(j.id) }))).then(
      () => {
        for (const j of jobs) {
          j.added = true;
          if (j.cancelled) this.track(session.queue.remove(j.id));
        }
      },
      (error: unknown) => {
        const msg = error instanceof Error ? error.message : String(error);
        for (const j of jobs) this.failJob(j, new Error(`BullMQExecutor could not add job ${j.id} to queue "${this.opts.queueName}" at ${this.where}: ${msg}`));
      },
    );
  }

  // --- receiving -----------------------------------------------------------------

  private attach(session: Session): void {
    session.events.on("completed", ({ jobId, returnvalue }) => this.onCompleted(jobId, returnvalue));
    session.events.on("failed", ({ jobId, failedReason }) => this.onFailed(jobId, failedReason));
    session.events.on("duplicated", ({ jobId }) => {
      const j = this.pending.get(jobId);
      if (j) this.check(session, j).catch(() => undefined);
    });
  }

  private onCompleted(jobId: string, returnvalue: unknown): void {
    const job = this.pending.get(jobId);
    if (!job) return; // another driver's job, or one already answered: never counted twice
    this.pending.delete(jobId);
    let outcome: JobOutcome;
    try {
      outcome = fromBase64(String(returnvalue)) as JobOutcome;
      if (!Array.isArray(outcome?.results)) throw new Error("no results");
    } catch (error) {
      this.failJob(job, new Error(`Job ${jobId} on queue "${this.opts.queueName}" returned something that is not a hamilton-ts result (${error instanceof Error ? error.message : String(error)}). Is another program using this queue?`));
      return;
    }
    job.slots.forEach((slot, i) => {
      const result = outcome.results[i];
      if (!result || result.taskId !== slot.task.taskId) {
        this.settle(slot, undefined, new Error(`Job ${jobId} returned no result for task ${slot.task.taskId}.`));
        return;
      }
      if (!slot.task.signal.aborted) for (const e of outcome.events?.[i] ?? []) reportWireNodeEvent(slot.task, e);
      if (!result.ok) {
        this.settle(slot, undefined, errorFromWire(result));
        return;
      }
      importAllowedCodecs(result.outputs, this.codecModules)
        .then(() => decodeTaskResult(result))
        .then(
          (outputs) => this.settle(slot, outputs),
          (error: unknown) => this.settle(slot, undefined, error),
        );
    });
  }

  private onFailed(jobId: string, reason: string | undefined): void {
    const job = this.pending.get(jobId);
    if (!job) return;
    this.failJob(job, new Error(`BullMQ job ${jobId} failed: ${reason ?? "no reason given"} (queue "${this.opts.queueName}").`));
  }

  /** Look a job up directly: answers missed events, and re-adds jobs Redis lost (a restart without persistence). */
  private async check(session: Session, job: PendingJob): Promise<void> {
    job.lastChecked = Date.now();
    // The state first (cheap); the job itself (data and result) only once it has finished.
    const state = await session.queue.getJobState(job.id);
    if (this.pending.get(job.id) !== job) return;
    if (state === "unknown") {
      if (job.readds >= MAX_READDS) {
        this.failJob(job, new Error(`BullMQ job ${job.id} vanished from Redis at ${this.where} ${MAX_READDS + 1} times (was Redis restarted or flushed?).`));
        return;
      }
      job.readds++;
      await session.queue.add(JOB_NAME, job.data, this.jobOptions(job.id));
      return;
    }
    if (state !== "completed" && state !== "failed") return;
    const found = await Job.fromId(session.queue, job.id);
    if (!found || this.pending.get(job.id) !== job) return;
    if (state === "completed") this.onCompleted(job.id, found.returnvalue);
    else this.onFailed(job.id, found.failedReason);
  }

  // --- watchdog ------------------------------------------------------------------

  private tick(): void {
    const session = this.session;
    if (!session) return;
    const now = Date.now();
    if (!sessionUp(session)) {
      this.downSince ??= now;
      if (now - this.downSince >= this.connectionTimeoutMs) {
        this.failAll(() => new Error(`BullMQExecutor lost Redis at ${this.where} for more than ${this.connectionTimeoutMs} ms (queue "${this.opts.queueName}"); the task's result cannot arrive.`));
      }
      return;
    }
    const reconnected = this.downSince !== undefined;
    this.downSince = undefined;
    for (const job of this.pending.values()) {
      if (now - job.submittedAt > this.taskTimeoutMs) {
        this.failJob(job, new Error(`No result for job ${job.id} from queue "${this.opts.queueName}" within taskTimeoutMs (${this.taskTimeoutMs} ms). Are workers running on this queue, with the same prefix?`));
        if (job.added) this.track(session.queue.remove(job.id));
      }
    }
    if (!this.sweeping && (reconnected || now - this.lastSweep >= this.sweepIntervalMs)) {
      this.lastSweep = now;
      const due = [...this.pending.values()].filter((j) => j.added && (reconnected || now - j.lastChecked >= this.sweepIntervalMs)).slice(0, 2000);
      if (due.length === 0) return;
      this.sweeping = true;
      Promise.allSettled(due.map((j) => this.check(session, j))).finally(() => (this.sweeping = false));
    }
  }

  // --- settling ------------------------------------------------------------------

  private settle(slot: Slot, outputs: Record<string, unknown> | undefined, error?: unknown): void {
    if (slot.settled) return;
    slot.settled = true;
    this.inFlight--;
    if (outputs !== undefined && error === undefined) slot.resolve(outputs);
    else slot.reject(error);
  }

  private failJob(job: PendingJob, error: Error): void {
    if (this.pending.get(job.id) === job) this.pending.delete(job.id);
    for (const s of job.slots) this.settle(s, undefined, error);
  }

  private failAll(error: () => Error): void {
    for (const job of [...this.pending.values()]) this.failJob(job, error());
    const out = this.outbox;
    this.outbox = [];
    for (const s of out) this.settle(s, undefined, error());
  }

  private abortRun(runId: string, signal: AbortSignal): void {
    const error = abortErrorFrom(signal);
    const out = this.outbox;
    this.outbox = out.filter((s) => s.task.runId !== runId);
    for (const s of out) if (s.task.runId === runId) this.settle(s, undefined, error);
    const ids: string[] = [];
    for (const job of [...this.pending.values()]) {
      if (job.runId !== runId) continue;
      this.pending.delete(job.id);
      job.cancelled = true;
      if (job.added) ids.push(job.id);
      for (const s of job.slots) this.settle(s, undefined, error);
    }
    const session = this.session;
    // Waiting jobs are removed; a job a worker already holds (locked) runs to the end and its result is ignored.
    if (session && ids.length > 0) this.track(Promise.allSettled(ids.map((id) => session.queue.remove(id))));
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.removals.delete(q));
    this.removals.add(q);
  }

  private async settleRemovals(): Promise<void> {
    if (this.removals.size === 0) return;
    await Promise.race([Promise.allSettled([...this.removals]), new Promise((r) => setTimeout(r, this.connectionTimeoutMs).unref())]);
  }

  private async shutdown(error: Error): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.fingerprints.clear();
    this.wantsEvents.clear();
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.failAll(() => error);
    if (session) await closeSession(session);
  }
}

import { Job, type JobsOptions } from "bullmq";
import { abortErrorFrom, type ExecutorContext, type Task, type TaskExecutor } from "@hamilton-ts/kernel/contracts";
import { CodecModules } from "@hamilton-ts/kernel/remote";
import type { BullMQExecutorOptions } from "./bullmq-options.js";
import { describeConnection } from "./connection.js";
import { DEFAULT_CODEC_MODULES, JOB_NAME, jobIdFor, type JobData } from "./job-format.js";
import { SETUP_TTL_SECONDS, setupKey, setupOf, type EncodedSetup } from "./run-setup.js";
import { closeSession, openSession, sessionUp, type Session } from "./session.js";
import { decodeOutputs, encodeJob, executorFailure, settleOutcome } from "./task-jobs.js";
import { WorkerPresence } from "./worker-presence.js";

export type { BullMQExecutorOptions } from "./bullmq-options.js";

interface Slot {
  readonly task: Task;
  readonly resolve: (outputs: Record<string, unknown>) => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
}

interface PendingJob {
  readonly id: string;
  readonly slots: Slot[];
  readonly data: JobData;
  readonly setup: EncodedSetup;
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
 * with the pipeline's modules among theirs. Works with BullMQ 5 and 6.
 *
 * Connections open when a run starts and close when the last run ends with
 * nothing in flight, so a program exits without calling `Driver.close()`
 * (calling it is harmless). Any number of runs may share one executor.
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
  /** Payload bytes (base64 job data) sent so far, and the branch tasks they carried (an item batch counts its items): `{ tasks, bytes }`. */
  readonly payloadStats = { tasks: 0, bytes: 0 };
  private readonly opts: BullMQExecutorOptions;
  private readonly prefix: string;
  private readonly connectionTimeoutMs: number;
  private readonly sweepIntervalMs: number;
  private readonly chunkSize: number;
  private readonly maxInFlight: number;
  /** The driver's codec allow-list: what a worker's result may make it import. */
  private readonly codecs: CodecModules;
  private readonly where: string;
  private session: Session | undefined;
  private opening: Promise<Session> | undefined;
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
  private readonly presence: WorkerPresence;

  constructor(options: BullMQExecutorOptions) {
    if (!options?.queueName) throw new Error("BullMQExecutor needs a queueName (the queue your workers listen on).");
    if (options.connection === undefined) throw new Error("BullMQExecutor needs a connection: a redis:// URL or ioredis options.");
    this.opts = options;
    this.prefix = options.prefix ?? "bull";
    this.connectionTimeoutMs = options.connectionTimeoutMs ?? 10_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 3000;
    this.chunkSize = Math.max(1, Math.floor(options.chunkSize ?? 1));
    // in jobs' worth, so chunking does not shrink the pipeline of jobs in flight
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1000 * this.chunkSize);
    this.codecs = new CodecModules({ allow: options.codecModules ?? DEFAULT_CODEC_MODULES });
    this.where = describeConnection(options.connection);
    this.presence = new WorkerPresence({ queueName: options.queueName, prefix: this.prefix, where: this.where, timeoutMs: options.noWorkerTimeoutMs ?? 15_000 });
  }

  async init(context: ExecutorContext): Promise<void> {
    const setup = setupOf(context); // a config that cannot travel fails here, before anything is sent
    const session = this.session ?? (await this.open());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unreachable = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`BullMQExecutor: cannot reach Redis at ${this.where} within ${this.connectionTimeoutMs} ms (queue "${this.opts.queueName}").`)), this.connectionTimeoutMs);
    });
    await Promise.race([this.writeSetup(session, setup), unreachable]).finally(() => clearTimeout(timer));
  }

  canSubmitTask(): boolean {
    return this.inFlight < this.maxInFlight;
  }

  /**
   * With `chunkSize` above 1, branches of a block the kernel may batch go as
   * one task of `chunkSize` items (`Task.items`), a job of their own: one
   * shape and one items array per job instead of a task each. Not with
   * `taskTimeoutMs` (each branch keeps its own clock).
   */
  itemsPerTask(): number {
    return this.opts.taskTimeoutMs === undefined ? this.chunkSize : 1;
  }

  submitTask(task: Task): Promise<Record<string, unknown>> {
    if (task.signal.aborted) return Promise.reject(abortErrorFrom(task.signal));
    if (!this.watched.has(task.signal)) {
      this.watched.add(task.signal);
      const signal = task.signal;
      signal.addEventListener("abort", () => this.abortRun(signal), { once: true });
    }
    return new Promise((resolve, reject) => {
      this.inFlight++;
      this.outbox.push({ task, resolve, reject, settled: false });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush().catch((error: unknown) => this.failAll((t) => executorFailure(t, "transport", String(error))));
        });
      }
    });
  }

  /**
   * A run ended. Without a count of runs (Driver.close() finalizes too), the
   * connections close when nothing is in flight; a run still going reopens
   * them with its next task.
   */
  async finalize(): Promise<void> {
    await this.settleRemovals();
    if (this.pending.size === 0 && this.outbox.length === 0 && this.inFlight === 0) await this.shutdown(new Error("unused"));
  }

  /**
   * Close the Redis connections now (nothing stays open between runs, so this
   * is only needed mid-run): in-flight tasks fail with an ExecutorError
   * (reason `closed`). The executor can be used again; a new run reconnects.
   */
  async close(): Promise<void> {
    await this.settleRemovals();
    await this.shutdown(new Error("BullMQExecutor was closed while this task was in flight."), "closed");
  }

  // --- session -------------------------------------------------------------------

  private open(): Promise<Session> {
    this.opening ??= openSession({
      connection: this.opts.connection,
      queueName: this.opts.queueName,
      prefix: this.prefix,
      timeoutMs: this.connectionTimeoutMs,
      where: this.where,
    })
      .then((session) => {
        this.session = session;
        this.attach(session);
        this.downSince = undefined;
        this.presence.reset();
        this.ticker = setInterval(() => this.tick(), Math.max(50, Math.min(500, this.connectionTimeoutMs / 4)));
        this.ticker.unref();
        return session;
      })
      .finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async writeSetup(session: Session, setup: EncodedSetup, force = false): Promise<void> {
    if (!force && session.setups.has(setup.id)) return;
    await session.client.set(setupKey(this.prefix, this.opts.queueName, setup.id), setup.blob, "EX", SETUP_TTL_SECONDS);
    session.setups.add(setup.id);
  }

  // --- sending -------------------------------------------------------------------

  private async flush(): Promise<void> {
    let session = this.session;
    if (!session) {
      try {
        session = await this.open();
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        this.failAll((t) => executorFailure(t, "transport", why));
        return;
      }
    }
    const slots = this.outbox;
    this.outbox = [];
    const groups: Slot[][] = [];
    const open = new Map<ExecutorContext, Slot[]>();
    const openBranches = new Map<Slot[], number>();
    for (const slot of slots) {
      if (slot.settled) continue;
      // a retried attempt travels alone: a chunk's job id names its first task, so its tasks are all first attempts
      if (this.chunkSize > 1 && slot.task.isBlock && slot.task.attempt === 1) {
        let g = open.get(slot.task.context);
        if (!g) open.set(slot.task.context, (g = []));
        g.push(slot);
        // a chunk holds `chunkSize` branches, an item batch counting its items
        const branches = (openBranches.get(g) ?? 0) + (slot.task.items?.count ?? 1);
        openBranches.set(g, branches);
        if (branches >= this.chunkSize) (groups.push(g), open.delete(slot.task.context));
      } else groups.push([slot]);
    }
    for (const g of open.values()) groups.push(g);

    const jobs: PendingJob[] = [];
    for (const group of groups) {
      const first = group[0]!.task;
      let setup: EncodedSetup;
      try {
        setup = setupOf(first.context);
      } catch (error) {
        for (const s of group) this.settle(s, undefined, error);
        continue;
      }
      const events = first.context.wantsNodeEvents ?? true;
      const job = encodeJob(group, setup.id, events, this.opts.taskTimeoutMs, (s, error) => this.settle(s, undefined, error));
      if (!job) continue;
      const kept = job.items;
      for (const k of kept) this.payloadStats.tasks += k.task.items?.count ?? 1; // per branch: an item batch counts its items
      this.payloadStats.bytes += job.bytes;
      const id = jobIdFor(first.runId, kept[0]!.task.taskId, kept.length, first.attempt);
      const existing = this.pending.get(id);
      if (existing) {
        existing.slots.push(...kept); // the same task submitted again: wait for the one job
        continue;
      }
      const pending: PendingJob = { id, slots: kept, data: job.data, setup, lastChecked: Date.now(), added: false, cancelled: false, readds: 0 };
      this.pending.set(id, pending);
      jobs.push(pending);
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
    // setups first (once per session), so no job names a setup Redis lacks
    const setups = new Map(jobs.map((j) => [j.setup.id, j.setup]));
    Promise.all([...setups.values()].map((s) => this.writeSetup(session, s)))
      .then(() => session.queue.addBulk(jobs.map((j) => ({ name: JOB_NAME, data: j.data, opts: this.jobOptions(j.id) }))))
      .then(
      () => {
        for (const j of jobs) {
          j.added = true;
          if (j.cancelled) this.track(session.queue.remove(j.id));
        }
      },
      (error: unknown) => {
        const msg = error instanceof Error ? error.message : String(error);
        for (const j of jobs) this.failJob(j, (t) => executorFailure(t, "transport", `BullMQExecutor could not add job ${j.id} to queue "${this.opts.queueName}" at ${this.where}: ${msg}`));
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
    const slots = job.slots;
    try {
      settleOutcome(returnvalue, slots.map((s) => s.task), (i, wire, error) => {
        const slot = slots[i]!;
        if (wire === undefined) return this.settle(slot, undefined, error);
        let outputs;
        try {
          outputs = decodeOutputs(wire, this.codecs);
        } catch (e) {
          return this.settle(slot, undefined, e);
        }
        if (!(outputs instanceof Promise)) return this.settle(slot, outputs);
        outputs.then(
          (out) => this.settle(slot, out),
          (e: unknown) => this.settle(slot, undefined, e),
        );
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.failJob(job, (t) => executorFailure(t, "transport", `Job ${jobId} on queue "${this.opts.queueName}" returned something that is not a hamilton-ts result (${why}). Is another program using this queue?`));
    }
  }

  private onFailed(jobId: string, reason: string | undefined): void {
    const job = this.pending.get(jobId);
    if (!job) return;
    const stalled = /stalled/i.test(reason ?? "");
    const why = stalled
      ? `the BullMQ worker running it stopped (killed, crashed or hung) more often than the workers' maxStalledCount allows: ${reason}`
      : `BullMQ job ${jobId} failed: ${reason ?? "no reason given"}`;
    this.failJob(job, (t) => executorFailure(t, stalled ? "worker-died" : "transport", `${why} (queue "${this.opts.queueName}").`));
  }

  /** Look a job up directly: answers missed events, and re-adds jobs Redis lost (a restart without persistence). */
  private async check(session: Session, job: PendingJob): Promise<void> {
    job.lastChecked = Date.now();
    // The state first (cheap); the job itself (data and result) only once it has finished.
    const state = await session.queue.getJobState(job.id);
    if (this.pending.get(job.id) !== job) return;
    if (state === "unknown") {
      if (job.readds >= MAX_READDS) {
        this.failJob(job, (t) => executorFailure(t, "transport", `BullMQ job ${job.id} vanished from Redis at ${this.where} ${MAX_READDS + 1} times (was Redis restarted or flushed?).`));
        return;
      }
      job.readds++;
      await this.writeSetup(session, job.setup, true); // Redis may have lost it too
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
        this.failAll((t) => executorFailure(t, "transport", `BullMQExecutor lost Redis at ${this.where} for more than ${this.connectionTimeoutMs} ms (queue "${this.opts.queueName}"); the task's result cannot arrive.`));
      }
      return;
    }
    const reconnected = this.downSince !== undefined;
    this.downSince = undefined;
    if (this.pending.size > 0) {
      this.presence.check(session, now, (message) => {
        if (this.session !== session) return;
        for (const job of [...this.pending.values()]) {
          this.failJob(job, (t) => executorFailure(t, "unavailable", message));
          if (job.added) this.track(session.queue.remove(job.id));
        }
      });
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

  private failJob(job: PendingJob, error: (task: Task) => Error): void {
    if (this.pending.get(job.id) === job) this.pending.delete(job.id);
    for (const s of job.slots) this.settle(s, undefined, error(s.task));
  }

  private failAll(error: (task: Task) => Error): void {
    for (const job of [...this.pending.values()]) this.failJob(job, error);
    const out = this.outbox;
    this.outbox = [];
    for (const s of out) this.settle(s, undefined, error(s.task));
  }

  /** A run was aborted (or failed): its waiting jobs are removed; a job a worker already holds runs to its end, its result ignored. */
  private abortRun(signal: AbortSignal): void {
    const error = abortErrorFrom(signal);
    const out = this.outbox;
    this.outbox = out.filter((s) => s.task.signal !== signal);
    for (const s of out) if (s.task.signal === signal) this.settle(s, undefined, error);
    const ids: string[] = [];
    for (const job of [...this.pending.values()]) {
      if (job.slots.every((s) => s.task.signal !== signal)) continue;
      for (const s of job.slots) if (s.task.signal === signal) this.settle(s, undefined, error);
      if (job.slots.some((s) => !s.settled)) continue; // the same task of another run is waiting for it
      this.pending.delete(job.id);
      job.cancelled = true;
      if (job.added) ids.push(job.id);
    }
    const session = this.session;
    if (session && ids.length > 0) this.track(Promise.allSettled(ids.map((id) => session.queue.remove(id))));
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.removals.delete(q));
    this.removals.add(q);
  }

  private async settleRemovals(): Promise<void> {
    if (this.removals.size === 0 || !this.session || !sessionUp(this.session)) return;
    await Promise.race([Promise.allSettled([...this.removals]), new Promise((r) => setTimeout(r, this.connectionTimeoutMs).unref())]);
  }

  private async shutdown(error: Error, reason: "closed" | "transport" = "closed"): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.presence.reset();
    this.failAll((t) => executorFailure(t, reason, error.message));
    if (session) await closeSession(session);
  }
}

import type { ResourceLimits } from "node:worker_threads";
import { NodeExecutionError, SerializationError } from "@hamilton-ts/kernel";
import { abortErrorFrom, type ExecutorContext, type Task, type TaskExecutor } from "@hamilton-ts/kernel/contracts";
import { decodeTaskResult, decodeValue, encodeTaskInputs, missingCodecModules, reportWireNodeEvent, packTaskBatch, type FlatTask, type WireTaskResult, workerSetupOf } from "@hamilton-ts/kernel/remote";
import { STATE_NODE, STATE_SEQ, STATE_TASK, type BatchMessage, type ResultsMessage, type SetupMessage } from "./messages.js";
import { spawnThread, type PoolThread, type SpawnOptions } from "./worker-thread.js";

/** Options of `MultiThreadingExecutor`. */
export interface MultiThreadingExecutorOptions {
  /** Most worker threads (and so tasks running at once). Default: 4. */
  maxTasks?: number;
  /**
   * Most tasks sent to a worker in one message. Default 512, sized adaptively
   * below that: one task per message while tasks take long, more as they get
   * short, so that a message carries a few milliseconds of work. `1` turns
   * batching off.
   */
  chunkSize?: number;
  /** Times a task is run again after the worker running it died. Default 0. Node errors are never retried. */
  retries?: number;
  /** Terminate idle workers this long after a run ends (ms). Default 1500. `0` terminates at once. */
  idleTimeoutMs?: number;
  /**
   * Send node events back so the caller's `preNodeExecute`/`postNodeExecute`
   * hooks fire. `"auto"` (default): only when the caller has node hooks.
   */
  nodeEvents?: "auto" | boolean;
  /** `worker_threads` resource limits of each worker, e.g. `{ maxOldGenerationSizeMb: 512 }`. */
  resourceLimits?: ResourceLimits;
  /** `execArgv` of each worker (default: inherited from the parent). */
  execArgv?: readonly string[];
  /** Environment of each worker (default: a copy of the parent's). */
  env?: SpawnOptions["env"];
}

interface Entry {
  readonly task: Task;
  /** The task as a batch carries it (inputs encoded). */
  readonly flat: FlatTask;
  readonly run: RunState;
  readonly resolve: (outputs: Record<string, unknown>) => void;
  readonly reject: (error: unknown) => void;
  attempts: number;
  settled: boolean;
}

interface Batch {
  readonly seq: number;
  readonly run: RunState;
  readonly entries: readonly Entry[];
  remaining: number;
}

interface RunState {
  readonly runId: string;
  readonly setup: SetupMessage;
  readonly events: boolean;
  readonly fingerprint: string;
}

interface Slot {
  readonly thread: PoolThread;
  /** Batches sent and not fully answered, oldest first. */
  readonly inflight: Batch[];
}

/** Aim for batches that carry this much work (ms): enough to hide messaging costs, small enough to balance. */
const TARGET_BATCH_MS = 16;
/** Below this average task time, a worker gets a second batch before the first returns. */
const PIPELINE_BELOW_MS = 1;

/**
 * Runs tasks on a pool of `worker_threads` (specification v1). Workers import
 * the driver's modules by location, build the same graph once, and run tasks by
 * node name; values cross through the kernel's codec registry, with output
 * buffers transferred rather than copied.
 *
 * The pool starts lazily, is reused across `execute` calls, never keeps the
 * process alive (idle workers are unref'd), and is terminated `idleTimeoutMs`
 * after a run ends, at once when a run fails or is aborted, and by `close()`.
 *
 * @example
 * const dr = await new Builder()
 *   .withModules(new URL("./pipeline.js", import.meta.url))
 *   .enableDynamicExecution({ allowExperimentalMode: true })
 *   .withRemoteExecutor(new MultiThreadingExecutor({ maxTasks: 4 }))
 *   .build();
 */
export class MultiThreadingExecutor implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  readonly requiresModuleLocations = true;
  readonly maxTasks: number;
  readonly chunkSize: number;
  readonly retries: number;
  readonly idleTimeoutMs: number;
  private readonly nodeEvents: "auto" | boolean;
  private readonly spawnOptions: SpawnOptions;

  private readonly slots: Slot[] = [];
  private queue: Entry[] = [];
  private head = 0;
  /** Tasks submitted and not settled (queued or in flight). */
  private pending = 0;
  private readonly runs = new Map<string, RunState>();
  private readonly setupIds = new Map<string, number>();
  private readonly watched = new WeakSet<AbortSignal>();
  private activeRuns = 0;
  private seq = 0;
  private nextSetup = 0;
  /** Average time a task takes in a worker (ms); undefined until a batch returned. */
  private avgTaskMs: number | undefined;
  private dispatchScheduled = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: MultiThreadingExecutorOptions = {}) {
    const positive = (name: string, v: number, min: number) => {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`MultiThreadingExecutor: ${name} must be an integer >= ${min}, got ${v}`);
      return v;
    };
    this.maxTasks = positive("maxTasks", options.maxTasks ?? 4, 1);
    this.chunkSize = positive("chunkSize", options.chunkSize ?? 512, 1);
    this.retries = positive("retries", options.retries ?? 0, 0);
    this.idleTimeoutMs = positive("idleTimeoutMs", options.idleTimeoutMs ?? 1500, 0);
    this.nodeEvents = options.nodeEvents ?? "auto";
    this.spawnOptions = { resourceLimits: options.resourceLimits, execArgv: options.execArgv, env: options.env };
  }

  /** Worker threads alive now (for monitoring and tests). */
  get workerCount(): number {
    return this.slots.length;
  }

  init(context: ExecutorContext): void {
    this.activeRuns++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = workerSetupOf(context);
    let key: string;
    try {
      key = JSON.stringify([worker, context.graphFingerprint]);
    } catch {
      key = `run:${context.runId}`;
    }
    let id = this.setupIds.get(key);
    if (id === undefined) this.setupIds.set(key, (id = this.nextSetup++));
    const setup: SetupMessage = { type: "setup", id, ...worker };
    const events = this.nodeEvents === "auto" ? context.wantsNodeEvents ?? true : this.nodeEvents;
    this.runs.set(context.runId, { runId: context.runId, setup, events, fingerprint: context.graphFingerprint });
  }

  canSubmitTask(): boolean {
    return this.pending < this.maxTasks * this.chunkSize * 2;
  }

  submitTask(task: Task): Promise<Record<string, unknown>> {
    if (task.signal.aborted) return Promise.reject(abortErrorFrom(task.signal));
    const run = this.runs.get(task.runId);
    if (!run) return Promise.reject(new Error(`MultiThreadingExecutor: task ${task.taskId} arrived for run ${task.runId}, which init() never announced.`));
    let flat: FlatTask;
    try {
      flat = { taskId: task.taskId, nodes: task.nodes, outputs: task.outputs, expanders: task.expanders, ...encodeTaskInputs(task) };
    } catch (error) {
      return Promise.reject(error);
    }
    this.watch(task.signal, run.runId);
    return new Promise((resolve, reject) => {
      this.queue.push({ task, flat, run, resolve, reject, attempts: 0, settled: false });
      this.pending++;
      this.scheduleDispatch();
    });
  }

  finalize(): void {
    this.activeRuns = Math.max(0, this.activeRuns - 1);
    if (this.activeRuns > 0) return;
    this.runs.clear();
    this.armIdleTimer();
  }

  /** Terminate every worker and fail whatever is still queued. */
  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const closed = new Error("MultiThreadingExecutor was closed");
    for (let i = this.head; i < this.queue.length; i++) this.settle(this.queue[i]!, closed);
    this.queue = [];
    this.head = 0;
    await Promise.all([...this.slots].map((s) => this.retire(s, closed)));
  }

  // ---- scheduling -------------------------------------------------------------

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    // tasks submitted in the same tick travel together
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private queued(): number {
    return this.queue.length - this.head;
  }

  private dispatch(): void {
    while (this.queued() > 0) {
      const first = this.queue[this.head]!;
      if (first.settled) {
        this.head++;
        continue;
      }
      const slot = this.pickSlot();
      if (!slot) break;
      const size = this.batchSize();
      const entries: Entry[] = [];
      while (entries.length < size && this.head < this.queue.length) {
        const e = this.queue[this.head]!;
        if (e.settled) {
          this.head++;
          continue;
        }
        if (e.run !== first.run) break; // a batch belongs to one run (one graph setup, one abort signal)
        entries.push(e);
        this.head++;
      }
      this.send(slot, first.run, entries);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * An idle worker; else, for short tasks, one with a single batch in flight
   * (a second batch hides the round trip); else a new worker while under
   * maxTasks. Short tasks thus add a worker only when the others fall behind:
   * when the calling thread is the bottleneck, an extra thread would only take
   * CPU from it.
   */
  private pickSlot(): Slot | undefined {
    for (const s of this.slots) if (s.inflight.length === 0) return s;
    if (this.avgTaskMs !== undefined && this.avgTaskMs < PIPELINE_BELOW_MS) {
      for (const s of this.slots) if (s.inflight.length === 1) return s;
    }
    if (this.slots.length < this.maxTasks) return this.spawn();
    return undefined;
  }

  private batchSize(): number {
    // until tasks have been timed, probe with one task per message
    const adaptive = this.avgTaskMs === undefined ? 1 : Math.floor(TARGET_BATCH_MS / Math.max(this.avgTaskMs, 0.001));
    const fair = Math.ceil(this.queued() / this.maxTasks);
    return Math.max(1, Math.min(this.chunkSize, adaptive, fair));
  }

  private spawn(): Slot {
    const thread = spawnThread(
      this.spawnOptions,
      (t, msg) => this.onMessage(t, msg as ResultsMessage),
      (t, code) => this.onExit(t, code),
    );
    const slot: Slot = { thread, inflight: [] };
    this.slots.push(slot);
    return slot;
  }

  private send(slot: Slot, run: RunState, entries: Entry[]): void {
    const t = slot.thread;
    const batch: Batch = { seq: this.seq++, run, entries, remaining: entries.length };
    const msg = packBatch(batch);
    try {
      if (!t.setups.has(run.setup.id)) {
        t.worker.postMessage(run.setup);
        t.setups.add(run.setup.id);
      }
      t.worker.postMessage(msg);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      for (const e of entries) {
        this.settle(e, new SerializationError(`Task ${e.task.taskId} cannot be sent to a worker thread: ${detail}`, e.task.nodes[0], { cause: error }));
      }
      return;
    }
    if (slot.inflight.length === 0) t.worker.ref();
    slot.inflight.push(batch);
  }

  private onMessage(t: PoolThread, msg: ResultsMessage): void {
    const slot = this.slots.find((s) => s.thread === t);
    if (!slot || msg.type !== "results") return;
    const batch = slot.inflight.find((b) => b.seq === msg.seq);
    if (!batch) return;
    for (const [i, ev] of msg.events) {
      const e = batch.entries[i]!;
      if (!e.settled) reportWireNodeEvent(e.task, ev);
    }
    const finished = msg.done.length + msg.failures.length;
    if (finished > 0) {
      const per = msg.busyMs / finished;
      this.avgTaskMs = this.avgTaskMs === undefined ? per : this.avgTaskMs * 0.7 + per * 0.3;
    }
    let at = 0;
    for (const i of msg.done) {
      const e = batch.entries[i]!;
      const names = e.flat.outputs;
      const outputs: Record<string, unknown> = {};
      for (let k = 0; k < names.length; k++) outputs[names[k]!] = msg.outputs[at++];
      this.answer(batch, e, { ok: true, taskId: e.task.taskId, outputs });
    }
    for (const [i, result] of msg.failures) this.answer(batch, batch.entries[i]!, result);
    if (batch.remaining === 0) {
      slot.inflight.splice(slot.inflight.indexOf(batch), 1);
      if (slot.inflight.length === 0) t.worker.unref();
    }
    if (this.queued() > 0) this.dispatch();
    else if (this.pending === 0 && this.activeRuns === 0) this.armIdleTimer();
  }

  private answer(batch: Batch, e: Entry, result: WireTaskResult): void {
    batch.remaining--;
    if (e.settled) return;
    e.settled = true;
    this.pending--;
    if (result.ok && allPrimitive(result.outputs as Record<string, unknown>)) {
      e.resolve(result.outputs as Record<string, unknown>);
      return;
    }
    if (result.ok && missingCodecModules(result.outputs).length === 0) {
      // the common case, without a promise per task: every codec it needs is registered here
      let outputs: Record<string, unknown>;
      try {
        outputs = decodeValue(result.outputs) as Record<string, unknown>;
      } catch (error) {
        e.reject(error);
        return;
      }
      e.resolve(outputs);
      return;
    }
    decodeTaskResult(result).then(e.resolve, e.reject);
  }

  // ---- faults -----------------------------------------------------------------

  private onExit(t: PoolThread, code: number): void {
    const index = this.slots.findIndex((s) => s.thread === t);
    if (index < 0) return; // retired: its tasks were settled then
    const [slot] = this.slots.splice(index, 1);
    const seq = Atomics.load(t.state, STATE_SEQ);
    const taskIndex = Atomics.load(t.state, STATE_TASK);
    const nodeIndex = Atomics.load(t.state, STATE_NODE);
    const unsettled: Entry[] = [];
    let culprit: Entry | undefined;
    for (const batch of slot!.inflight) {
      batch.entries.forEach((e, i) => {
        if (e.settled) return;
        if (batch.seq === seq && i === taskIndex) culprit = e;
        else unsettled.push(e);
      });
    }
    const exact = culprit !== undefined;
    // died before it started any task of its batches (e.g. while importing modules): blame the first
    culprit ??= unsettled.shift();
    const requeue = unsettled;
    if (culprit) {
      if (culprit.attempts < this.retries) {
        culprit.attempts++;
        requeue.unshift(culprit);
      } else {
        this.settle(culprit, this.deathError(t, code, culprit, exact ? nodeIndex : -1));
      }
    }
    if (requeue.length > 0) {
      this.queue = [...requeue, ...this.queue.slice(this.head)];
      this.head = 0;
      this.scheduleDispatch();
    }
  }

  private deathError(t: PoolThread, code: number, e: Entry, nodeIndex: number): NodeExecutionError {
    const nodes = e.task.nodes;
    const nodeName = nodeIndex >= 0 && nodeIndex < nodes.length ? nodes[nodeIndex]! : nodes.length === 1 ? nodes[0]! : nodes.join(", ");
    const err = t.error as { message?: string; code?: string } | undefined;
    const oom = err?.code === "ERR_WORKER_OUT_OF_MEMORY";
    const cause = t.error ?? new Error(`worker thread ${t.threadId} exited with code ${code}`);
    const tries = e.attempts > 0 ? ` (attempt ${e.attempts + 1} of ${this.retries + 1})` : "";
    if (Atomics.load(t.state, STATE_SEQ) === -1) {
      const why = err?.message ? `: ${err.message}` : "";
      const detail = `the worker thread meant to run it (thread ${t.threadId}) failed to start (exit code ${code})${why}. Check the worker's execArgv and loaders.`;
      return new NodeExecutionError(nodeName, e.task.taskId, cause, detail);
    }
    const detail =
      `the worker thread running it (thread ${t.threadId}) died with exit code ${code}${tries}` +
      (err?.message ? `: ${err.message}` : "") +
      (oom
        ? ". It ran out of memory: raise resourceLimits.maxOldGenerationSizeMb, or make the node use less."
        : ". Look for process.exit() or an error thrown outside the node's promise (a timer, an event handler); set retries to run it again.");
    return new NodeExecutionError(nodeName, e.task.taskId, cause, detail);
  }

  private settle(e: Entry, error: unknown): void {
    if (e.settled) return;
    e.settled = true;
    this.pending--;
    e.reject(error);
  }

  // ---- abort and shutdown -------------------------------------------------------

  private watch(signal: AbortSignal, runId: string): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener("abort", () => this.abortRun(runId, signal), { once: true });
  }

  /** The run failed or was cancelled: drop its queued tasks and terminate workers running its tasks, now. */
  private abortRun(runId: string, signal: AbortSignal): void {
    const error = abortErrorFrom(signal);
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (e.run.runId === runId) this.settle(e, error);
    }
    for (const s of [...this.slots]) {
      if (s.inflight.some((b) => b.run.runId === runId)) void this.retire(s, error);
    }
  }

  /** Terminate a worker on purpose; its unsettled tasks fail with `error`. */
  private retire(slot: Slot, error: unknown): Promise<unknown> {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.thread.retired = true;
    for (const b of slot.inflight) for (const e of b.entries) this.settle(e, error);
    slot.inflight.length = 0;
    return slot.thread.worker.terminate();
  }

  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.slots.length === 0) return;
    const stop = () => {
      this.idleTimer = undefined;
      if (this.activeRuns > 0 || this.pending > 0) return;
      for (const s of [...this.slots]) void this.retire(s, new Error("idle worker terminated"));
    };
    if (this.idleTimeoutMs === 0) return stop();
    this.idleTimer = setTimeout(stop, this.idleTimeoutMs);
    this.idleTimer.unref?.();
  }
}

/** A batch as its message: the envelope, and the kernel's columnar task batch. */
function packBatch(batch: Batch): BatchMessage {
  const run = batch.run;
  return {
    type: "batch",
    seq: batch.seq,
    setup: run.setup.id,
    events: run.events,
    ...packTaskBatch(run.runId, run.fingerprint, batch.entries.map((e) => e.flat)),
  };
}

function allPrimitive(values: Record<string, unknown>): boolean {
  for (const k in values) {
    const v = values[k];
    if (v !== null && typeof v === "object") return false;
  }
  return true;
}

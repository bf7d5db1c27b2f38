import { serialize } from "node:v8";
import { NodeExecutionError, SerializationError } from "@hamilton-ts/kernel";
import { type Task } from "@hamilton-ts/kernel/contracts";
import { decodeValue, decodeValueAsync, errorFromWire, missingCodecModules, packTaskBatch } from "@hamilton-ts/kernel/remote";
import { forEachEvent } from "./batch-codec.js";
import { ChildHandle, type Batch, type ChildEvents, type Entry, type SpawnOptions } from "./child-handle.js";
import { ChunkSizer } from "./chunking.js";
import type { ChildSetup, FromChild, PackedEvents, PackedResults, ToChild } from "./messages.js";

/** Resolved pool settings (see `MultiProcessingExecutorOptions`). */
export interface PoolOptions extends SpawnOptions {
  readonly maxTasks: number;
  readonly chunkSize: number | "auto";
  readonly retries: number;
  readonly idleTimeoutMs: number;
  /** Only for error messages: the heap limit given to children, in MB. */
  readonly heapLimitMb?: number;
}

/**
 * A lazily started pool of up to `maxTasks` child processes. Tasks submitted in
 * one tick are batched into one IPC message per child (see `ChunkSizer`); a
 * child that dies fails (or retries) the task that killed it and is replaced;
 * an aborted task signal kills the children running that run's tasks at once.
 */
export class ProcessPool implements ChildEvents {
  private readonly opts: PoolOptions;
  /** Chunk statistics per task template (tasks of one template share their `nodes` array). */
  private readonly sizers = new WeakMap<readonly string[], ChunkSizer>();
  /** The statistics of the template submitted last: what the kernel is feeding now. */
  private sizer: ChunkSizer;
  private children: ChildHandle[] = [];
  private pending: Entry[] = [];
  private head = 0;
  /** Unsettled entries in `pending`. */
  private queued = 0;
  /** Unsettled entries anywhere: queued or in a child. */
  private inFlight = 0;
  private batchSeq = 0;
  private dispatchScheduled = false;
  private activeRuns = 0;
  private readonly setups: ChildSetup[] = [];
  private readonly setupIds = new Map<string, number>();
  private readonly watched = new WeakSet<AbortSignal>();

  constructor(options: PoolOptions) {
    this.opts = options;
    this.sizer = new ChunkSizer(options.chunkSize);
  }

  /** Process ids of the live children (for diagnostics and tests). */
  get pids(): number[] {
    return this.children.map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  /** Whether the kernel may submit another task now: up to maxTasks × chunk × pipeline depth in flight. */
  canSubmit(): boolean {
    return this.inFlight < this.opts.maxTasks * this.sizer.chunk() * this.sizer.depth();
  }

  /** Register the modules and config children build their graph from; returns its id. */
  setupId(setup: ChildSetup): number {
    let bytes: Buffer;
    try {
      bytes = serialize(setup);
    } catch (error) {
      throw new SerializationError(
        `The driver's config cannot be sent to child processes (${(error as Error).message}). Keep config values plain data.`,
        undefined,
        { cause: error },
      );
    }
    const key = bytes.toString("base64");
    let id = this.setupIds.get(key);
    if (id === undefined) {
      id = this.setups.length;
      this.setups.push(setup);
      this.setupIds.set(key, id);
    }
    return id;
  }

  runStarted(): void {
    this.activeRuns++;
  }

  /** After the last active run, idle children start their idle timers. */
  runEnded(): void {
    this.activeRuns = Math.max(0, this.activeRuns - 1);
    if (this.activeRuns === 0) for (const c of this.children) if (c.batches.size === 0) this.idle(c);
  }

  /** Queue a task whose inputs are already codec-encoded. */
  submit(
    task: Task,
    encoded: { inputNames: readonly string[]; values: readonly unknown[]; graphFingerprint: string; setupId: number; wantsEvents: boolean },
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        task,
        taskId: task.taskId,
        nodes: task.nodes,
        outputs: task.outputs,
        expanders: task.expanders,
        ...encoded,
        resolve,
        reject,
        attempts: 0,
        isolate: false,
        settled: false,
      };
      this.watch(task.signal);
      this.sizer = this.sizerFor(task.nodes);
      this.pending.push(entry);
      this.queued++;
      this.inFlight++;
      this.scheduleDispatch();
    });
  }

  /** Kill every child and fail everything in flight; the pool may start again later. */
  close(): void {
    const error = new Error("The MultiProcessingExecutor was closed while this task was waiting or running.");
    for (const c of this.children) {
      for (const b of c.batches.values()) for (const e of b.entries) this.settle(e, error);
      c.batches.clear();
      c.kill("close");
    }
    this.children = [];
    for (let i = this.head; i < this.pending.length; i++) this.settle(this.pending[i]!, error);
    this.pending = [];
    this.head = 0;
    this.queued = 0;
  }

  // ---- dispatching ----

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    // after the current microtasks: the kernel submits many tasks in one go (and completes many
    // in one go when a batch returns), and they should share messages
    queueMicrotask(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queued > 0) {
      const first = this.peek();
      if (!first) break;
      const child = this.pickChild(first.isolate, this.sizerFor(first.nodes));
      if (!child) break;
      const sizer = this.sizerFor(first.nodes);
      const n = first.isolate ? 1 : Math.max(1, Math.min(sizer.chunk(), Math.ceil(this.queued / this.opts.maxTasks)));
      this.sendBatch(child, this.take(n));
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * An idle child first, then a new child (up to maxTasks), then the least busy
   * child with room in its pipeline. An isolated task runs alone in its child,
   * so that if the child dies, the task is certainly the one that killed it.
   */
  private pickChild(isolate: boolean, sizer: ChunkSizer): ChildHandle | undefined {
    if (!isolate && sizer.tiny()) {
      // the calling process is the bottleneck for tiny tasks: keep few children busy rather than
      // many half-idle ones competing with it for the CPU
      const depth = sizer.depth();
      for (const c of this.children) if (c.batches.size < depth && !c.holdsIsolated()) return c;
      return this.children.length < this.opts.maxTasks ? this.spawn() : undefined;
    }
    for (const c of this.children) if (c.batches.size === 0) return c;
    if (this.children.length < this.opts.maxTasks) return this.spawn();
    if (isolate) return undefined;
    const depth = sizer.depth();
    let best: ChildHandle | undefined;
    for (const c of this.children) {
      if (c.batches.size >= depth || (best && c.batches.size >= best.batches.size)) continue;
      if (!c.holdsIsolated()) best = c;
    }
    return best;
  }

  private peek(): Entry | undefined {
    while (this.head < this.pending.length && this.pending[this.head]!.settled) this.head++;
    return this.pending[this.head];
  }

  /** Up to n queued entries of the same run (task ids are unique within a run), stopping at an isolated one. */
  private take(n: number): Entry[] {
    const out: Entry[] = [];
    const first = this.peek()!;
    while (out.length < n) {
      const e = this.peek();
      if (!e || e.setupId !== first.setupId || e.task.runId !== first.task.runId) break;
      if (out.length > 0 && (e.isolate || first.isolate)) break;
      this.head++;
      this.queued--;
      out.push(e);
    }
    return out;
  }

  private sendBatch(child: ChildHandle, entries: Entry[]): void {
    const setupId = entries[0]!.setupId;
    const batch: Batch = { id: ++this.batchSeq, entries, live: entries.length === 1, isolated: entries[0]!.isolate };
    child.batches.set(batch.id, batch);
    this.busy(child);
    if (!child.setups.has(setupId)) {
      child.setups.add(setupId);
      child.post({ type: "setup", setupId, setup: this.setups[setupId]! });
    }
    const first = entries[0]!;
    child.post({
      type: "batch",
      batchId: batch.id,
      setupId,
      live: batch.live && first.wantsEvents,
      events: first.wantsEvents,
      ...packTaskBatch(first.task.runId, first.graphFingerprint, entries),
    });
  }

  private sizerFor(nodes: readonly string[]): ChunkSizer {
    let s = this.sizers.get(nodes);
    if (!s) this.sizers.set(nodes, (s = new ChunkSizer(this.opts.chunkSize)));
    return s;
  }

  private spawn(): ChildHandle {
    const child = new ChildHandle(this.opts, this);
    this.children.push(child);
    return child;
  }

  // ---- from children ----

  message(child: ChildHandle, msg: FromChild): void {
    if (msg.type === "events") {
      const batch = child.batches.get(msg.batchId);
      if (batch) this.report(batch, msg.events);
      return;
    }
    if (msg.type !== "results") return;
    const batch = child.batches.get(msg.batchId);
    if (!batch) return;
    child.batches.delete(msg.batchId);
    this.sizerFor(batch.entries[0]!.nodes).observe(msg.computeMs, batch.entries.length);
    this.report(batch, msg.events);
    if (missingCodecModules(msg.values).length === 0) this.resolveBatch(batch, msg, decodeValue(msg.values) as unknown[]);
    else {
      // a codec this process has not registered yet: import its module first
      decodeValueAsync(msg.values).then(
        (values) => this.resolveBatch(batch, msg, values as unknown[]),
        (error: unknown) => {
          for (const e of batch.entries) this.settle(e, error);
        },
      );
    }
    if (child.batches.size === 0) this.idle(child);
    if (this.queued > 0) this.scheduleDispatch();
  }

  private resolveBatch(batch: Batch, msg: PackedResults, values: readonly unknown[]): void {
    const failures = msg.failures.length > 0 ? new Map(msg.failures) : undefined;
    let offset = 0;
    for (let i = 0; i < batch.entries.length; i++) {
      const e = batch.entries[i]!;
      const failure = failures?.get(i);
      if (failure) {
        this.settle(e, errorFromWire(failure));
        continue;
      }
      const names = e.task.outputs;
      if (!e.settled) {
        const out: Record<string, unknown> = {};
        for (let k = 0; k < names.length; k++) out[names[k]!] = values[offset + k];
        e.settled = true;
        this.inFlight--;
        e.resolve(out);
      }
      offset += names.length;
    }
  }

  /** Forward node events to the caller's hooks, in order. */
  private report(batch: Batch, events: PackedEvents): void {
    forEachEvent(
      events,
      (i) => batch.entries[i]?.task.nodes,
      (i, ev) => {
        const e = batch.entries[i]!;
        if (e.settled) return;
        if (batch.live) e.runningNode = ev.type === "pre" ? ev.nodeName : undefined;
        e.task.reportNodeEvent(ev);
      },
    );
  }

  sendFailed(child: ChildHandle, message: ToChild, error: unknown): void {
    if (message.type !== "batch") {
      // a setup that cannot be sent: fail everything this child holds
      for (const b of child.batches.values()) for (const e of b.entries) this.settle(e, error);
      child.batches.clear();
      this.idle(child);
      return;
    }
    const batch = child.batches.get(message.batchId);
    if (!batch) return;
    child.batches.delete(batch.id);
    const retry: Entry[] = [];
    for (const e of batch.entries) {
      const bad = e.inputNames.findIndex((_n, k) => {
        try {
          serialize(e.values[k]);
          return false;
        } catch {
          return true;
        }
      });
      if (bad < 0) retry.push(e);
      else {
        const name = e.inputNames[bad]!;
        this.settle(
          e,
          new SerializationError(`The input "${name}" of task ${e.task.taskId} cannot be sent to a child process: ${String((error as Error).message ?? error)}`, name, {
            cause: error,
          }),
        );
      }
    }
    this.requeue(retry);
    if (child.batches.size === 0) this.idle(child);
  }

  exit(child: ChildHandle, code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    if (child.exited) return;
    child.exited = true;
    if (child.idleTimer) clearTimeout(child.idleTimer);
    this.children = this.children.filter((c) => c !== child);
    const retry: Entry[] = [];
    // a child runs its batches one at a time, in order: the oldest one was running when it died
    let running = true;
    for (const batch of child.batches.values()) {
      const live = batch.entries.filter((e) => !e.settled);
      for (const e of live) {
        if (child.killReason !== undefined) {
          // killed on purpose because another run was aborted: not this task's fault
          if (e.task.signal.aborted) this.settle(e, e.task.signal.reason);
          else retry.push(e);
        } else if (!running) {
          retry.push(e); // never started
        } else if (batch.entries.length > 1) {
          // which task of the message killed the child is unknown: run each alone to find out
          e.isolate = true;
          retry.push(e);
        } else if (++e.attempts <= this.opts.retries) {
          e.isolate = true;
          retry.push(e);
        } else {
          this.settle(e, this.deathError(child, e, code, signal, error));
        }
      }
      running = false;
    }
    child.batches.clear();
    this.requeue(retry);
  }

  private deathError(child: ChildHandle, e: Entry, code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): NodeExecutionError {
    const nodes = e.task.nodes;
    const nodeName = e.runningNode ?? (nodes.length === 1 ? nodes[0]! : nodes.join(", "));
    let how: string;
    if (spawnError) how = `could not be started (${spawnError.message})`;
    else if (child.fatal) how = `crashed on an ${child.fatal.origin === "unhandledRejection" ? "unhandled rejection" : "uncaught exception"} (${child.fatal.error.message})`;
    else if (signal) how = `was killed by ${signal}`;
    else how = `exited with code ${code}`;
    const oom = signal === "SIGABRT" || code === 134;
    const hint = oom
      ? ` V8 aborts like this when a process runs out of memory${this.opts.heapLimitMb ? ` (its heap is limited to ${this.opts.heapLimitMb} MB by resourceLimits.maxOldGenerationSizeMb)` : ""}.`
      : "";
    const tries = this.opts.retries > 0 ? ` It was tried ${e.attempts} times (retries: ${this.opts.retries}).` : " Set the `retries` option to run such a task again in a new process.";
    const notReady = child.ready ? "" : " before it was ready (see its stderr above)";
    const cause = new Error(`The child process (pid ${child.pid ?? "?"}) running task ${e.task.taskId} died${notReady}: it ${how}.${hint}${tries}`, {
      cause: child.fatal?.error ?? spawnError,
    });
    cause.name = "ChildProcessDiedError";
    Object.assign(cause, { pid: child.pid, exitCode: code, signal });
    return new NodeExecutionError(nodeName, e.task.taskId, cause);
  }

  // ---- bookkeeping ----

  private settle(e: Entry, error: unknown): void {
    if (e.settled) return;
    e.settled = true;
    this.inFlight--;
    e.reject(error);
  }

  /** Put entries back at the front of the queue, in order. */
  private requeue(entries: Entry[]): void {
    if (entries.length === 0) return;
    const rest = this.pending.slice(this.head);
    this.pending = [...entries, ...rest];
    this.head = 0;
    this.queued += entries.length;
    this.scheduleDispatch();
  }

  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener("abort", () => this.abortRun(signal), { once: true });
  }

  /** A run failed or was cancelled: drop its queued tasks and kill the children running its tasks, at once. */
  private abortRun(signal: AbortSignal): void {
    for (let i = this.head; i < this.pending.length; i++) {
      const e = this.pending[i]!;
      if (!e.settled && e.task.signal === signal) {
        this.settle(e, signal.reason);
        this.queued--;
      }
    }
    for (const child of [...this.children]) {
      let hit = false;
      for (const b of child.batches.values()) {
        for (const e of b.entries) {
          if (e.task.signal === signal && !e.settled) {
            hit = true;
            this.settle(e, signal.reason);
          }
        }
      }
      if (hit) {
        this.children = this.children.filter((c) => c !== child);
        child.kill("abort");
      }
    }
    if (this.queued > 0) this.scheduleDispatch();
  }

  private busy(child: ChildHandle): void {
    if (child.idleTimer) clearTimeout(child.idleTimer);
    child.idleTimer = undefined;
    child.ref();
  }

  private idle(child: ChildHandle): void {
    child.unref();
    if (this.activeRuns > 0 || child.idleTimer || child.exited) return;
    child.idleTimer = setTimeout(() => {
      child.idleTimer = undefined;
      if (child.batches.size > 0) return;
      this.children = this.children.filter((c) => c !== child);
      child.kill("idle");
    }, this.opts.idleTimeoutMs);
    child.idleTimer.unref();
  }
}

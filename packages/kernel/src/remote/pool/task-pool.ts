// The one worker pool of every pooled executor (threads, processes, HTTP, …).
// It is long because it is the single home of what executors used to repeat:
// queueing and fair dispatch across runs, batching, setups, abort, worker
// death, timeouts and idle shutdown. Transports (see pool-transport.ts) only
// carry messages.
import { abortErrorFrom, SerializationError } from "../../errors.js";
import type { ExecutorContext, Task, TaskExecutor } from "../../executors/task-executor.js";
import { decodeValue, decodeValueAsync, missingCodecModules } from "../../codec/codec-registry.js";
import { errorFromWire, workerSetupOf, type WorkerSetup } from "../protocol.js";
import { encodeTaskInputs, packTaskBatch, type EncodedInputs, type FlatTask } from "../task-batch.js";
import { forEachEvent, type BatchMessage, type FromWorker, type ResultsMessage } from "../worker-envelope.js";
import { BatchSizer } from "./batch-sizer.js";
import type { PoolTransport, PoolWorker, StopReason, WorkerExit } from "./pool-transport.js";
import { RunQueue } from "./run-queue.js";
import { closedError, workerDeathError, workerTimeoutError } from "./worker-failure.js";

/** Options every pooled executor takes. */
export interface TaskPoolOptions {
  /** Most workers, hence most tasks running at once, across all runs. */
  readonly maxTasks: number;
  /**
   * Most tasks in one message (default 512). Below it the size adapts: one
   * task per message while tasks take long, more as they get short, so a
   * message carries a few milliseconds of work. `1` turns batching off.
   */
  readonly chunkSize?: number;
  /** Times a task runs again in a new worker after the one running it died (default 0). Node errors are never retried here. */
  readonly retries?: number;
  /** Stop idle workers this long after the last run ended (ms, default 5000; `0`: at once). Idle workers never keep the process alive. */
  readonly idleTimeoutMs?: number;
  /**
   * Longest one task may run (ms), on top of `Task.timeoutMs` (its nodes'
   * `timeoutMs`); the smaller wins. An overrunning worker is stopped and
   * replaced, the task fails with a `TimeoutError` naming its node, and the
   * other tasks it held run again elsewhere. Default: none.
   */
  readonly taskTimeoutMs?: number;
  /** Send node events back so the caller's node hooks fire: `"auto"` (default) when the caller has node hooks. Validation events always come back. */
  readonly nodeEvents?: "auto" | boolean;
}

/** Before a timed batch says it started (graph being built, worker stalled before it began), its clock starts this much later. */
const STARTUP_GRACE_MS = 30_000;
/** How often a timed batch whose running task has no timeout is looked at again (threads: the next task may have one). */
const POLL_MS = 50;

const clock: () => number = () => performance.timeOrigin + performance.now();
const defer: (fn: () => void) => void = typeof setImmediate === "function" ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

interface RunState {
  readonly context: ExecutorContext;
  readonly setup: number;
  readonly events: boolean;
  readonly queue: RunQueue<Entry>;
  /** In the dispatch rotation. */
  listed: boolean;
  aborted: boolean;
}

/** A task as the pool holds it: the wire form of the task itself (one object per task), and its bookkeeping. */
interface Entry extends FlatTask {
  readonly task: Task;
  readonly run: RunState;
  readonly timeoutMs: number | undefined;
  readonly resolve: (outputs: Record<string, unknown>) => void;
  readonly reject: (error: unknown) => void;
  /** Worker deaths blamed on this task. */
  deaths: number;
  /** Send it alone: it is a suspect of a death or hang, or being retried. */
  isolate: boolean;
  settled: boolean;
  /** The node a live batch reported as started and not yet finished. */
  node: string | undefined;
}

interface Batch {
  readonly seq: number;
  readonly run: RunState;
  readonly entries: readonly Entry[];
  readonly isolated: boolean;
  readonly timed: boolean;
  readonly sizer: BatchSizer;
  readonly answered: Uint8Array;
  remaining: number;
  readonly sentAt: number;
  /** The worker said it began (timed batches). */
  startedAt: number | undefined;
  /** Last message about it. */
  progressAt: number | undefined;
}

interface Slot {
  readonly worker: PoolWorker;
  /** Batches sent and not fully answered, oldest first: the oldest is the one running. */
  readonly batches: Batch[];
  readonly setups: Set<number>;
  /** It sent a message: it started. */
  started: boolean;
  /** The pool stopped it (its exit is expected). */
  stopped: StopReason | undefined;
}

interface Verdict {
  readonly suspects: readonly Entry[];
  readonly timeoutMs: number;
  readonly node: string | undefined;
}

function nonNegative(executor: string, name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${executor}: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/**
 * A pool of workers behind a transport, and a `TaskExecutor` (specification
 * v1): executors built on it (`MultiThreadingExecutor`,
 * `MultiProcessingExecutor`, your own) only bring a `PoolTransport`.
 *
 * - Tasks of every run share the pool: `maxTasks` caps workers across runs,
 *   and runs take turns, so none starves another.
 * - Tasks submitted in one tick travel together; batch sizes follow task times.
 * - A run aborted (or failed) drops its queued tasks and stops only the
 *   workers running its tasks; other runs' tasks on them run again elsewhere.
 *   It rejects with `abortErrorFrom(signal)`.
 * - A dead worker fails its task with a `NodeExecutionError` whose `cause` is
 *   an `ExecutorError` (`worker-died`, `worker-start`); `retries` runs it again.
 *   A transport that cannot tell which task was running has every suspect
 *   re-run alone to find the culprit.
 * - A task over its timeout (`Task.timeoutMs`, `taskTimeoutMs`) has its worker
 *   stopped and replaced, and fails with a `TimeoutError` naming the node.
 * - Workers start lazily, are reused across runs and drivers, never keep the
 *   process alive while idle, and stop `idleTimeoutMs` after the last run.
 *
 * @example
 * class MyExecutor extends TaskPool {
 *   constructor() { super(new MyTransport(), { maxTasks: 4 }); }
 * }
 */
export class TaskPool<W extends PoolWorker = PoolWorker> implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  readonly requiresModuleLocations = true;
  readonly maxTasks: number;
  readonly chunkSize: number;
  readonly retries: number;
  readonly idleTimeoutMs: number;
  readonly taskTimeoutMs: number | undefined;
  protected readonly transport: PoolTransport<W>;
  private readonly nodeEvents: "auto" | boolean;

  private slots: Slot[] = [];
  private readonly runs = new WeakMap<ExecutorContext, RunState>();
  /** Runs with queued tasks, in turn order. */
  private ready: RunState[] = [];
  private turn = 0;
  /** Entries submitted and not settled, queued or in a worker. */
  private inFlight = 0;
  private activeRuns = 0;
  private seq = 0;
  private readonly setups: WorkerSetup[] = [];
  private readonly setupIds = new Map<string, number>();
  private readonly configIds = new WeakMap<object, number>();
  private readonly sizers = new WeakMap<readonly string[], BatchSizer>();
  /** Run signals listened to (every task of a run shares its signal). */
  private readonly watched = new WeakSet<AbortSignal>();
  private dispatchScheduled = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: { timer: ReturnType<typeof setTimeout>; at: number } | undefined;

  constructor(transport: PoolTransport<W>, options: TaskPoolOptions) {
    const name = transport.executor;
    this.transport = transport;
    this.maxTasks = nonNegative(name, "maxTasks", options.maxTasks, 1);
    this.chunkSize = nonNegative(name, "chunkSize", options.chunkSize ?? 512, 1);
    this.retries = nonNegative(name, "retries", options.retries ?? 0, 0);
    this.idleTimeoutMs = nonNegative(name, "idleTimeoutMs", options.idleTimeoutMs ?? 5000, 0);
    if (options.taskTimeoutMs !== undefined && !(options.taskTimeoutMs > 0)) {
      throw new RangeError(`${name}: taskTimeoutMs must be a positive number of milliseconds, got ${options.taskTimeoutMs}`);
    }
    this.taskTimeoutMs = options.taskTimeoutMs;
    this.nodeEvents = options.nodeEvents ?? "auto";
  }

  /** Workers alive now. */
  get workerCount(): number {
    return this.slots.length;
  }

  /** Labels of the workers alive now (`"thread 3"`, `"pid 4242"`). */
  get workerLabels(): string[] {
    return this.slots.map((s) => s.worker.label);
  }

  /** Workers alive now, for subclasses that expose transport details (pids). */
  protected get liveWorkers(): readonly W[] {
    return this.slots.map((s) => s.worker as W);
  }

  init(context: ExecutorContext): void {
    this.runOf(context);
    this.activeRuns++;
    this.clearIdleTimer();
  }

  /**
   * Room for two full batches per worker, across runs: enough to keep every
   * worker's pipeline full, few enough that encoded tasks waiting here stay
   * cheap (live objects cost GC time in the calling thread).
   */
  canSubmitTask(): boolean {
    return this.inFlight < this.maxTasks * this.chunkSize * 2;
  }

  submitTask(task: Task): Promise<Record<string, unknown>> {
    if (task.signal.aborted) return Promise.reject(abortErrorFrom(task.signal));
    let run: RunState;
    let inputs: EncodedInputs;
    try {
      run = this.runOf(task.context, task.signal);
      // a value that cannot cross fails here, naming its node, before anything is sent
      inputs = encodeTaskInputs(task);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeoutMs = minDefined(task.timeoutMs, this.taskTimeoutMs);
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        taskId: task.taskId,
        nodes: task.nodes,
        outputs: task.outputs,
        expanders: task.expanders,
        inputNames: inputs.inputNames,
        values: inputs.values,
        task,
        run,
        timeoutMs,
        resolve,
        reject,
        deaths: 0,
        isolate: false,
        settled: false,
        node: undefined,
      };
      run.queue.push(entry);
      this.list(run);
      this.inFlight++;
      this.scheduleDispatch();
    });
  }

  finalize(): void {
    if (this.activeRuns === 0) return; // Driver.close() finalizes without a run
    this.activeRuns--;
    this.maybeIdle();
  }

  /** Stop every worker now and fail what waits or runs with an `ExecutorError` (`closed`). The pool may be used again afterwards. */
  close(): void {
    this.clearIdleTimer();
    this.clearWatchdog();
    const entries: Entry[] = [];
    for (const slot of [...this.slots]) entries.push(...this.stop(slot, "close"));
    for (const run of this.ready) {
      entries.push(...run.queue.drain());
      run.listed = false;
    }
    this.ready = [];
    for (const e of entries) this.settle(e, closedError(this.transport, e.task));
    this.activeRuns = 0;
  }

  // ---- runs and setups ---------------------------------------------------------

  private runOf(context: ExecutorContext, signal?: AbortSignal): RunState {
    let run = this.runs.get(context);
    if (!run) {
      const events = this.nodeEvents === "auto" ? context.wantsNodeEvents ?? true : this.nodeEvents;
      run = { context, setup: this.setupId(workerSetupOf(context), context), events, queue: new RunQueue(), listed: false, aborted: false };
      this.runs.set(context, run);
    }
    if (signal && !this.watched.has(signal)) {
      this.watched.add(signal);
      const r = run;
      signal.addEventListener("abort", () => this.abortRun(r, signal), { once: true });
    }
    return run;
  }

  /** One id per distinct (modules, config, codecs, graph): a worker receives each setup once. */
  private setupId(setup: WorkerSetup, context: ExecutorContext): number {
    if (this.transport.checkValue) {
      try {
        this.transport.checkValue(setup);
      } catch (error) {
        throw new SerializationError(
          `The driver's config cannot be sent to ${this.transport.workerNoun}s (${error instanceof Error ? error.message : String(error)}). Keep config values plain data.`,
          undefined,
          { cause: error },
        );
      }
    }
    let key: string;
    try {
      key = JSON.stringify([setup, context.graphFingerprint], plainOnly);
    } catch {
      // config values JSON cannot tell apart (a Map, a Date subclass): one setup per config object
      let id = this.configIds.get(context.config);
      if (id === undefined) this.configIds.set(context.config, (id = this.setups.length));
      key = `config#${id}:${context.graphFingerprint}`;
    }
    let id = this.setupIds.get(key);
    if (id === undefined) {
      id = this.setups.push(setup) - 1;
      this.setupIds.set(key, id);
    }
    return id;
  }

  // ---- dispatch -----------------------------------------------------------------

  private list(run: RunState): void {
    if (run.listed) return;
    run.listed = true;
    this.ready.push(run);
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    // after the current microtasks: the kernel submits many tasks in one go (and
    // completes many when a batch returns), and they should share messages
    defer(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /** Hand queued tasks to workers, one batch per run in turn. */
  private dispatch(): void {
    let blocked = 0;
    while (this.ready.length > 0 && blocked < this.ready.length) {
      if (this.turn >= this.ready.length) this.turn = 0;
      const run = this.ready[this.turn]!;
      const first = run.queue.peek();
      if (!first) {
        run.listed = false;
        this.ready.splice(this.turn, 1);
        continue;
      }
      const sizer = this.sizerFor(first.task.nodes);
      const slot = this.pickSlot(first.isolate, sizer);
      if (!slot) {
        if (!first.isolate) return; // every worker is busy
        blocked++; // an isolated task waits for an empty worker; other runs may still go
        this.turn++;
        continue;
      }
      blocked = 0;
      const fair = Math.ceil(run.queue.length / this.maxTasks);
      this.send(slot, run, run.queue.take(first.isolate ? 1 : Math.max(1, Math.min(sizer.size(), fair))), sizer);
      this.turn++;
    }
  }

  private sizerFor(nodes: readonly string[]): BatchSizer {
    // tasks of one template share their node list: statistics per template
    let s = this.sizers.get(nodes);
    if (!s) this.sizers.set(nodes, (s = new BatchSizer(this.chunkSize)));
    return s;
  }

  /**
   * An idle worker first. For short tasks, a worker with room in its pipeline
   * before a new one (the calling thread is the bottleneck then, and an extra
   * worker only takes CPU from it); else a new worker while under maxTasks,
   * then the least busy with room. An isolated task runs alone in its worker,
   * so that a death or hang there is certainly its own.
   */
  private pickSlot(isolate: boolean, sizer: BatchSizer): Slot | undefined {
    for (const s of this.slots) if (s.batches.length === 0) return s;
    if (!isolate && sizer.tiny()) {
      const room = this.leastBusy(sizer.depth());
      if (room) return room;
    }
    if (this.slots.length < this.maxTasks) return this.spawn();
    return isolate ? undefined : this.leastBusy(sizer.depth());
  }

  private leastBusy(depth: number): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.batches.length >= depth || s.batches[0]!.isolated) continue;
      if (!best || s.batches.length < best.batches.length) best = s;
    }
    return best;
  }

  private spawn(): Slot {
    let slot: Slot | undefined;
    // a transport may report synchronously (a spawn that fails at once): route to the slot once it exists
    const early: Array<() => void> = [];
    const on = (fn: (s: Slot) => void) => (slot ? fn(slot) : early.push(() => fn(slot!)));
    const worker = this.transport.spawn({
      message: (msg) => on((s) => this.onMessage(s, msg)),
      exit: (exit) => on((s) => this.onExit(s, exit)),
    });
    slot = { worker, batches: [], setups: new Set(), started: false, stopped: undefined };
    this.slots.push(slot);
    for (const fn of early) fn();
    return slot;
  }

  private send(slot: Slot, run: RunState, entries: Entry[], sizer: BatchSizer): void {
    const timed = entries.some((e) => e.timeoutMs !== undefined);
    const batch: Batch = {
      seq: this.seq++,
      run,
      entries,
      isolated: entries[0]!.isolate,
      timed,
      sizer,
      answered: new Uint8Array(entries.length),
      remaining: entries.length,
      sentAt: clock(),
      startedAt: undefined,
      progressAt: undefined,
    };
    const context = run.context;
    const message: BatchMessage = {
      type: "batch",
      seq: batch.seq,
      setup: run.setup,
      events: run.events,
      live: entries.length === 1,
      timed,
      batch: packTaskBatch(context.runId, context.graphFingerprint, entries),
    };
    try {
      if (!slot.setups.has(run.setup)) {
        slot.worker.send({ type: "setup", id: run.setup, setup: this.setups[run.setup]! });
        slot.setups.add(run.setup);
      }
      slot.worker.send(message);
    } catch (error) {
      this.unsendable(entries, error);
      return;
    }
    if (slot.batches.length === 0) slot.worker.ref();
    slot.batches.push(batch);
    if (timed) this.armWatchdog();
  }

  /** A batch could not be serialized: fail the tasks whose inputs refuse, send the others again. */
  private unsendable(entries: readonly Entry[], error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    const check = this.transport.checkValue;
    const again: Entry[] = [];
    for (const e of entries) {
      const bad = check ? e.inputNames.findIndex((_n, k) => refuses(check, e.values[k])) : entries.length === 1 ? 0 : -1;
      if (bad < 0 && entries.length > 1) {
        e.isolate = true; // alone, it will tell whether it is the one
        again.push(e);
        continue;
      }
      const input = e.inputNames[Math.max(bad, 0)];
      this.settle(
        e,
        new SerializationError(`The input "${input}" of task ${e.task.taskId} cannot be sent to a ${this.transport.workerNoun}: ${detail}`, input, { cause: error }),
      );
    }
    this.requeue(again);
  }

  // ---- messages -------------------------------------------------------------------

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (slot.stopped) return;
    slot.started = true;
    if (msg.type === "ready") return;
    const batch = slot.batches.find((b) => b.seq === msg.seq);
    if (!batch) return;
    batch.progressAt = clock();
    if (msg.type === "started") {
      batch.startedAt = batch.progressAt;
      this.armWatchdog();
      return;
    }
    this.report(batch, msg);
    batch.sizer.observe(msg.busyMs, msg.done.length + msg.failures.length);
    let at = 0;
    for (const i of msg.done) {
      const e = batch.entries[i]!;
      const names = e.outputs;
      this.answer(batch, i);
      if (!e.settled) this.resolveOutputs(e, names, msg.outputs, at);
      at += names.length;
    }
    for (const [i, failure] of msg.failures) {
      this.answer(batch, i);
      this.settle(batch.entries[i]!, errorFromWire(failure));
    }
    if (batch.remaining === 0) {
      slot.batches.splice(slot.batches.indexOf(batch), 1);
      if (slot.batches.length === 0) slot.worker.unref();
    }
    // after the kernel has handled these completions: the tasks they release travel together
    this.scheduleDispatch();
    this.maybeIdle();
  }

  private answer(batch: Batch, index: number): void {
    if (batch.answered[index]) return;
    batch.answered[index] = 1;
    batch.remaining--;
  }

  /** Forward node events to the caller's hooks, in order. */
  private report(batch: Batch, msg: ResultsMessage): void {
    if (msg.events.codes.length === 0) return;
    forEachEvent(
      msg.events,
      (i) => batch.entries[i]?.task.nodes,
      (i, ev) => {
        const e = batch.entries[i]!;
        if (e.settled) return;
        if (ev.type === "pre") e.node = ev.nodeName;
        else if (ev.type === "post") e.node = undefined;
        e.task.reportNodeEvent(ev);
      },
    );
  }

  private resolveOutputs(e: Entry, names: readonly string[], values: readonly unknown[], at: number): void {
    if (names.length === 1) {
      const v = values[at];
      if (v === null || typeof v !== "object") return this.fulfil(e, { [names[0]!]: v });
    }
    const out: Record<string, unknown> = {};
    let missing = false;
    try {
      for (let k = 0; k < names.length; k++) {
        const v = values[at + k];
        if (v !== null && typeof v === "object" && missingCodecModules(v).length > 0) {
          missing = true;
          break;
        }
        out[names[k]!] = v !== null && typeof v === "object" ? decodeValue(v) : v;
      }
    } catch (error) {
      this.settle(e, error);
      return;
    }
    if (!missing) {
      this.fulfil(e, out);
      return;
    }
    // a codec this process has not registered yet: import its module first
    Promise.all(names.map((_n, k) => decodeValueAsync(values[at + k]))).then(
      (decoded) => {
        const o: Record<string, unknown> = {};
        for (let k = 0; k < names.length; k++) o[names[k]!] = decoded[k];
        this.fulfil(e, o);
      },
      (error: unknown) => this.settle(e, error),
    );
  }

  // ---- faults ---------------------------------------------------------------------

  /** The batch a worker runs now: the one its shared memory names, else its oldest. */
  private runningBatch(slot: Slot): Batch | undefined {
    const pos = slot.worker.position?.();
    return (pos && slot.batches.find((b) => b.seq === pos.seq)) || slot.batches[0];
  }

  private onExit(slot: Slot, exit: WorkerExit): void {
    if (slot.stopped) return;
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    const pos = slot.worker.position?.();
    const running = this.runningBatch(slot);
    const entries = this.stop(slot, undefined);
    const again: Entry[] = [];
    const blame = (e: Entry, node: string | undefined) => {
      if (++e.deaths <= this.retries) {
        e.isolate = true;
        again.unshift(e);
      } else {
        this.settle(e, workerDeathError(this.transport, slot.worker.label, e.task, node, exit, slot.started, { attempts: e.deaths, retries: this.retries }));
      }
    };
    if (!slot.started) {
      // it never started: every task it held was waiting for it
      for (const e of entries) this.settle(e, workerDeathError(this.transport, slot.worker.label, e.task, undefined, exit, false, { attempts: 1, retries: 0 }));
    } else {
      const culprit = pos && running?.seq === pos.seq && !running.answered[pos.task] ? running.entries[pos.task] : undefined;
      const suspects = culprit ? [culprit] : running ? running.entries.filter((e, k) => !running.answered[k] && !e.settled) : [];
      for (const e of entries) {
        if (!suspects.includes(e)) again.push(e); // never started, or finished unreported: innocent
      }
      if (suspects.length === 1) blame(suspects[0]!, culprit ? nodeAt(culprit, pos?.node) : suspects[0]!.node);
      else {
        // which one killed it is unknown: run each alone to find out
        for (const e of suspects) e.isolate = true;
        again.unshift(...suspects);
      }
    }
    this.requeue(again);
    this.dispatch();
  }

  /** Stop a worker on purpose (or forget a dead one): it leaves the pool; its unsettled tasks are returned. */
  private stop(slot: Slot, reason: StopReason | undefined): Entry[] {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const entries: Entry[] = [];
    for (const b of slot.batches) b.entries.forEach((e, k) => !b.answered[k] && !e.settled && entries.push(e));
    slot.batches.length = 0;
    if (reason) {
      slot.stopped = reason;
      slot.worker.unref();
      slot.worker.stop(reason);
    }
    return entries;
  }

  /** Put tasks back at the front of their runs' queues, in order. */
  private requeue(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const byRun = new Map<RunState, Entry[]>();
    for (const e of entries) {
      if (e.settled) continue;
      let list = byRun.get(e.run);
      if (!list) byRun.set(e.run, (list = []));
      list.push(e);
    }
    for (const [run, list] of byRun) {
      run.queue.unshift(list);
      this.list(run);
    }
    this.scheduleDispatch();
  }

  // ---- timeouts ---------------------------------------------------------------------

  private armWatchdog(): void {
    let next = Infinity;
    for (const slot of this.slots) {
      const at = this.deadline(slot);
      if (at < next) next = at;
    }
    if (next === Infinity || (this.watchdog && this.watchdog.at <= next)) return;
    this.clearWatchdog();
    const timer = setTimeout(() => this.checkTimeouts(), Math.max(1, next - clock()));
    (timer as { unref?: () => void }).unref?.();
    this.watchdog = { timer, at: next };
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog.timer);
    this.watchdog = undefined;
  }

  private checkTimeouts(): void {
    this.watchdog = undefined;
    const now = clock();
    for (const slot of [...this.slots]) {
      const verdict = this.overdue(slot, now);
      if (verdict) this.timeOut(slot, verdict);
    }
    this.armWatchdog();
  }

  /** When the running batch of a worker is next due a look (Infinity: never). */
  private deadline(slot: Slot): number {
    const v = this.judge(slot);
    return v === undefined ? Infinity : v.at;
  }

  private overdue(slot: Slot, now: number): Verdict | undefined {
    const v = this.judge(slot);
    return v && v.verdict && now >= v.at ? v.verdict : undefined;
  }

  /**
   * The running batch's deadline and who would be to blame. With shared
   * memory the running task and its start are exact; without, the clock runs
   * from the batch's last news, the tightest timeout among its unanswered
   * tasks applies, and every unanswered task is a suspect.
   */
  private judge(slot: Slot): { at: number; verdict?: Verdict } | undefined {
    const batch = this.runningBatch(slot);
    if (!batch?.timed) return undefined;
    const pos = slot.worker.position?.();
    if (pos && pos.seq === batch.seq) {
      const e = batch.entries[pos.task];
      if (!e || batch.answered[pos.task] || e.settled || e.timeoutMs === undefined) return { at: clock() + POLL_MS };
      return { at: pos.since + e.timeoutMs, verdict: { suspects: [e], timeoutMs: e.timeoutMs, node: nodeAt(e, pos.node) } };
    }
    const since = batch.progressAt ?? (batch.startedAt === undefined ? batch.sentAt + STARTUP_GRACE_MS : batch.startedAt);
    const suspects = batch.entries.filter((e, k) => !batch.answered[k] && !e.settled);
    let limit = Infinity;
    for (const e of suspects) if (e.timeoutMs !== undefined && e.timeoutMs < limit) limit = e.timeoutMs;
    if (limit === Infinity) return undefined;
    return { at: since + limit, verdict: { suspects, timeoutMs: limit, node: suspects.length === 1 ? suspects[0]!.node : undefined } };
  }

  private timeOut(slot: Slot, verdict: Verdict): void {
    const entries = this.stop(slot, "timeout");
    const { suspects } = verdict;
    if (suspects.length === 1) {
      const e = suspects[0]!;
      this.settle(e, workerTimeoutError(this.transport, slot.worker.label, e.task, verdict.node, e.timeoutMs ?? verdict.timeoutMs));
    } else {
      for (const e of suspects) e.isolate = true; // each alone: its own clock tells
    }
    this.requeue([...suspects.filter((e) => !e.settled), ...entries.filter((e) => !suspects.includes(e))]);
    this.scheduleDispatch(); // a replacement worker takes over what waited for this one
  }

  // ---- abort, settling, idle --------------------------------------------------------

  /** The run failed or was cancelled: drop its queued tasks, stop the workers running its tasks; others' tasks there run again. */
  private abortRun(run: RunState, signal: AbortSignal): void {
    if (run.aborted) return;
    run.aborted = true;
    const error = abortErrorFrom(signal);
    for (const e of run.queue.drain()) this.settle(e, error);
    const again: Entry[] = [];
    for (const slot of [...this.slots]) {
      const running = this.runningBatch(slot);
      const mine = slot.batches.filter((b) => b.run === run);
      if (mine.length === 0) continue;
      // a batch of the run that is only waiting in the worker runs to no avail; a running one is stopped
      if (running?.run === run) again.push(...this.stop(slot, "abort").filter((e) => e.run !== run));
      for (const b of mine) for (const e of b.entries) this.settle(e, error);
    }
    this.requeue(again);
    this.dispatch();
    this.maybeIdle();
  }

  private fulfil(e: Entry, outputs: Record<string, unknown>): void {
    if (e.settled) return;
    e.settled = true;
    this.inFlight--;
    e.resolve(outputs);
  }

  private settle(e: Entry, error: unknown): void {
    if (e.settled) return;
    e.settled = true;
    this.inFlight--;
    e.reject(error);
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** No run and no task left: stop idle workers after `idleTimeoutMs`. */
  private maybeIdle(): void {
    if (this.activeRuns > 0 || this.inFlight > 0 || this.slots.length === 0 || this.idleTimer) return;
    const stopIdle = () => {
      this.idleTimer = undefined;
      if (this.activeRuns > 0 || this.inFlight > 0) return;
      for (const slot of [...this.slots]) if (slot.batches.length === 0) this.stop(slot, "idle");
    };
    if (this.idleTimeoutMs === 0) return stopIdle();
    this.idleTimer = setTimeout(stopIdle, this.idleTimeoutMs);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }
}

function nodeAt(e: Entry, index: number | undefined): string | undefined {
  return index !== undefined && index >= 0 && index < e.task.nodes.length ? e.task.nodes[index] : e.node;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function refuses(check: (value: unknown) => void, value: unknown): boolean {
  try {
    check(value);
    return false;
  } catch {
    return true;
  }
}

/** JSON replacer that refuses what JSON would silently flatten (Map, Set, class instances, bigint). */
function plainOnly(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint" || typeof value === "function" || typeof value === "symbol") throw new TypeError("not plain");
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !Array.isArray(value)) throw new TypeError("not plain");
  return value;
}

// The one worker pool of every pooled executor (threads, processes, HTTP, …):
// queueing and fair dispatch across runs, batching, abort, worker death,
// timeouts and idle shutdown, written once. Transports (pool-transport.ts) only
// carry messages; the workers are in worker-set.ts, who to blame for a death or
// hang in blame.ts, the pool's records in pool-state.ts, the runs it knows in
// run-registry.ts. This file stays past 400 lines (about 500, a third of it
// doc comments) on purpose: what remains is the task life cycle (submit,
// dispatch, answer, fail, requeue, abort), whose steps call each other and
// read best in one place.
import { abortErrorFrom, SerializationError } from "../../errors.js";
import type { ExecutorContext, Task, TaskExecutor, TaskSink } from "../../executors/task-executor.js";
import type { CodecModules } from "../codec-modules.js";
import { errorFromWire } from "../task-failure.js";
import { encodeInputValues, encodeValuesInPlace, packTaskBatch, sameNames, type EncodedInputs, type InputColumns } from "../task-batch.js";
import { forEachEvent, refusesToCross, type BatchMessage, type FromWorker, type ResultsMessage } from "../worker-envelope.js";
import { BatchSizer } from "./batch-sizer.js";
import { deathSuspects, Watchdog, type Overrun } from "./blame.js";
import { decodeOutputs } from "./decode-outputs.js";
import type { PoolTransport, PoolWorker, WorkerExit } from "./pool-transport.js";
import { clock, Entry, runningBatch, type Batch, type RunState, type Slot } from "./pool-state.js";
import { RunRotation } from "./run-queue.js";
import { WorkerSet } from "./worker-set.js";
import { RunRegistry } from "./run-registry.js";
import { resolvePoolOptions, type TaskPoolOptions } from "./task-pool-options.js";
import { closedError, workerDeathError, workerTimeoutError } from "./worker-failure.js";

export type { TaskPoolOptions } from "./task-pool-options.js";

const defer: (fn: () => void) => void = typeof setImmediate === "function" ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

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
 * // an executor is a pool and a transport (examples/custom-executor has one over HTTP)
 * declare const transport: PoolTransport;
 * class MyExecutor extends TaskPool {
 *   constructor() {
 *     super(transport, { maxTasks: 4, taskTimeoutMs: 60_000 });
 *   }
 * }
 */
export class TaskPool<W extends PoolWorker = PoolWorker> implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  readonly requiresModuleLocations = true;
  readonly maxTasks: number;
  readonly chunkSize: number;
  /** Most branches of one block per task (`TaskPoolOptions.itemsPerTask`). */
  readonly maxItemsPerTask: number;
  readonly retries: number;
  readonly idleTimeoutMs: number;
  readonly taskTimeoutMs: number | undefined;
  protected readonly transport: PoolTransport<W>;

  private readonly workers: WorkerSet;
  private readonly runs: RunRegistry;
  private readonly ready = new RunRotation<RunState>();
  /** Entries submitted and not settled, queued or in a worker. */
  private inFlight = 0;
  private activeRuns = 0;
  private seq = 0;
  private readonly sizers = new WeakMap<readonly string[], BatchSizer>();
  private readonly inputNames = new WeakMap<readonly string[], readonly string[]>();
  /** The entry whose promise is being made: one executor function for every task's promise, rather than a closure each. */
  private capturing: Entry | undefined;
  private readonly capture = (resolve: (outputs: Record<string, unknown>) => void, reject: (error: unknown) => void): void => {
    const e = this.capturing!;
    this.capturing = undefined;
    e.resolve = resolve;
    e.reject = reject;
  };
  private dispatchScheduled = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the pool last ran out of work (clock ms). */
  private idleSince = 0;
  private readonly watchdog: Watchdog;

  constructor(transport: PoolTransport<W>, options: TaskPoolOptions) {
    const o = resolvePoolOptions(transport.executor, options);
    this.transport = transport;
    this.runs = new RunRegistry(transport, o.nodeEvents, (run, signal) => this.abortRun(run, signal));
    this.watchdog = new Watchdog(() => this.workers.slots, (slot, overrun) => this.timeOut(slot, overrun));
    this.workers = new WorkerSet(transport, o.maxTasks, { message: (slot, msg) => this.onMessage(slot, msg), exit: (slot, exit) => this.onExit(slot, exit) });
    this.maxTasks = o.maxTasks;
    this.chunkSize = o.chunkSize;
    this.maxItemsPerTask = o.itemsPerTask;
    this.retries = o.retries;
    this.idleTimeoutMs = o.idleTimeoutMs;
    this.taskTimeoutMs = o.taskTimeoutMs;
  }

  /** Workers alive now. */
  get workerCount(): number {
    return this.workers.size;
  }

  /** Labels of the workers alive now (`"thread 3"`, `"pid 4242"`). */
  get workerLabels(): string[] {
    return this.workers.slots.map((s) => s.worker.label);
  }

  /** Workers alive now, for subclasses that expose transport details (pids). */
  protected get liveWorkers(): readonly W[] {
    return this.workers.slots.map((s) => s.worker as W);
  }

  init(context: ExecutorContext): void {
    this.runs.of(context);
    this.activeRuns++;
  }

  /**
   * Room for one full batch per worker, across runs: enough to keep every
   * worker's pipeline fed (a worker may hold a second, smaller batch), few
   * enough that tasks waiting or in flight stay cheap. Every live task costs
   * the calling thread's garbage collector: with twice as many in flight,
   * trivial tasks spent more time in it than they gained.
   */
  canSubmitTask(): boolean {
    return this.inFlight < this.maxTasks * this.chunkSize;
  }

  submitTask(task: Task): Promise<Record<string, unknown>> {
    const entry = this.enter(task);
    if (!(entry instanceof Entry)) return Promise.reject(entry.error);
    this.capturing = entry;
    const promise = new Promise<Record<string, unknown>>(this.capture);
    this.queue(entry);
    return promise;
  }

  /** Branches like `task` to send as one task now (`TaskExecutor.itemsPerTask`): as many as take about a millisecond in a worker. */
  itemsPerTask(task: Task): number {
    return this.maxItemsPerTask <= 1 ? 1 : this.sizerFor(task.nodes).itemsPerTask(this.maxItemsPerTask);
  }

  /** `submitTask` without its promise: the kernel's way (see `TaskExecutor.submitTaskTo`). */
  submitTaskTo(task: Task, sink: TaskSink): void {
    const entry = this.enter(task);
    if (!(entry instanceof Entry)) {
      sink.taskSettled(task, false, entry.error);
      return;
    }
    entry.sink = sink;
    this.queue(entry);
  }

  /** The pool's record of a task, or why it cannot be taken (its run was aborted, an input cannot cross). */
  private enter(task: Task): Entry | { error: unknown } {
    const signal = task.signal;
    if (signal.aborted) return { error: abortErrorFrom(signal) };
    try {
      const run = this.runs.of(task.context, signal);
      // a value that cannot cross fails here, naming its node, before anything is sent
      const { inputNames, values } = this.encodeInputs(task);
      return new Entry(task, run, inputNames, values, minDefined(task.timeoutMs, this.taskTimeoutMs));
    } catch (error) {
      return { error };
    }
  }

  private queue(entry: Entry): void {
    entry.run.queue.push(entry);
    this.ready.add(entry.run);
    this.inFlight++;
    this.scheduleDispatch();
  }

  /**
   * The input names of a task of template `nodes` (the own keys of `inputs`,
   * in order): the template's last ones when they are the same (almost
   * always), so the tasks waiting and in flight share one array.
   */
  private inputNamesOf(nodes: readonly string[], inputs: Readonly<Record<string, unknown>>): readonly string[] {
    const names = Object.keys(inputs);
    const known = this.inputNames.get(nodes);
    if (known !== undefined && sameNames(known, names)) return known;
    this.inputNames.set(nodes, names);
    return names;
  }

  finalize(): void {
    if (this.activeRuns === 0) return; // Driver.close() finalizes without a run
    this.activeRuns--;
    this.maybeIdle();
  }

  /** Stop every worker now and fail what waits or runs with an `ExecutorError` (`closed`). The pool may be used again afterwards. */
  close(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.watchdog.clear();
    const entries: Entry[] = [];
    for (const slot of [...this.workers.slots]) entries.push(...this.workers.remove(slot, "close"));
    for (const run of this.ready.clear()) entries.push(...run.queue.drain());
    for (const e of entries) this.settle(e, closedError(this.transport, e.task));
    this.activeRuns = 0;
  }

  /**
   * A task's inputs for the wire. A subclass that relays tasks whose inputs
   * arrived encoded (a queue worker) returns them as they came.
   */
  protected encodeInputs(task: Task): EncodedInputs {
    const columns = (task as Partial<InputColumns>).inputNames;
    if (columns !== undefined) {
      return { inputNames: columns, values: encodeValuesInPlace((task as Task & InputColumns).inputValues(), columns, this.transport.sharedMemory === true) };
    }
    const inputs = task.inputs;
    const inputNames = this.inputNamesOf(task.nodes, inputs);
    return { inputNames, values: encodeInputValues(inputs, inputNames, this.transport.sharedMemory === true) };
  }

  /** A task's outputs from a worker's message; a relaying subclass may keep them encoded. */
  protected decodeOutputs(names: readonly string[], values: readonly unknown[], at: number, codecs: CodecModules): Record<string, unknown> | Promise<Record<string, unknown>> {
    return decodeOutputs(names, values, at, codecs);
  }

  // ---- dispatch -----------------------------------------------------------------

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

  /**
   * Hand queued tasks to workers, one batch per run in turn. A run's share
   * per worker is set from its queue when the round begins, not from what
   * is left after each batch (that would halve every batch after the first).
   */
  private dispatch(): void {
    let blocked = 0;
    const shares = new Map<RunState, number>();
    for (let run = this.ready.current(); run && blocked < this.ready.length; run = this.ready.current()) {
      const first = run.queue.peek()!;
      const sizer = this.sizerFor(first.task.nodes);
      let slot: Slot | undefined;
      try {
        slot = this.workers.pick(first.isolate, sizer);
      } catch (error) {
        // the transport could not even start a worker (a missing script, a bad option): the next batch fails with it
        const exit = { error };
        for (const e of run.queue.take(Math.max(1, sizer.size()))) {
          this.settle(e, workerDeathError(this.transport, "(not started)", e.task, undefined, exit, false, { attempts: 1, retries: 0 }));
        }
        continue;
      }
      if (!slot) {
        if (!first.isolate) return; // every worker is busy
        blocked++; // an isolated task waits for an empty worker; other runs may still go
        this.ready.pass();
        continue;
      }
      blocked = 0;
      let fair = shares.get(run);
      if (fair === undefined) shares.set(run, (fair = Math.ceil(run.queue.length / this.maxTasks)));
      this.send(slot, run, run.queue.take(first.isolate ? 1 : Math.max(1, Math.min(sizer.size(), fair))), sizer);
      this.ready.pass();
    }
  }

  private sizerFor(nodes: readonly string[]): BatchSizer {
    // tasks of one template share their node list: statistics per template
    let s = this.sizers.get(nodes);
    if (!s) this.sizers.set(nodes, (s = new BatchSizer(this.chunkSize)));
    return s;
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
      this.workers.deliver(slot, batch, message, () => ({ type: "setup", id: run.setup, setup: this.runs.setups.get(run.setup) }));
    } catch (error) {
      this.unsendable(entries, error);
      return;
    }
    if (timed) this.watchdog.arm();
  }

  /** A batch could not be serialized: fail the tasks whose inputs refuse, send the others again. */
  private unsendable(entries: readonly Entry[], error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    const check = this.transport.checkValue;
    const again: Entry[] = [];
    for (const e of entries) {
      const bad = check ? e.inputNames.findIndex((_n, k) => refusesToCross(check, e.values[k])) : entries.length === 1 ? 0 : -1;
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
      this.watchdog.arm();
      return;
    }
    this.report(batch, msg);
    // before the tasks settle: settling lets the kernel draw more branches, sized by what this message just taught
    batch.sizer.observe(msg.busyMs, msg.done.length + msg.failures.length, itemsIn(batch, msg));
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
      this.settle(batch.entries[i]!, errorFromWire(failure, batch.entries[i]!.nodes));
    }
    if (batch.remaining === 0) this.workers.finished(slot, batch);
    // tasks waiting for room go after the kernel has handled these completions, with the tasks they release
    if (this.ready.length > 0) this.scheduleDispatch();
    this.maybeIdle();
  }

  private answer(batch: Batch, index: number): void {
    if (batch.answered[index]) return;
    batch.answered[index] = 1;
    batch.remaining--;
  }

  /** Forward node events to the caller's hooks, in order. */
  private report(batch: Batch, msg: ResultsMessage): void {
    if (!msg.events) return;
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
    let out: Record<string, unknown> | Promise<Record<string, unknown>>;
    try {
      out = this.decodeOutputs(names, values, at, e.run.codecs);
    } catch (error) {
      this.settle(e, error);
      return;
    }
    if (out instanceof Promise) out.then((o) => this.fulfil(e, o), (error: unknown) => this.settle(e, error));
    else this.fulfil(e, out);
  }

  // ---- faults ---------------------------------------------------------------------

  private onExit(slot: Slot, exit: WorkerExit): void {
    const suspects = deathSuspects(slot);
    const entries = this.workers.remove(slot, undefined);
    const label = slot.worker.label;
    if (!slot.started) {
      // it never started: every task it held was waiting for it
      for (const e of entries) this.settle(e, workerDeathError(this.transport, label, e.task, undefined, exit, false, { attempts: 1, retries: 0 }));
      this.dispatch();
      return;
    }
    const again = entries.filter((e) => !suspects.entries.includes(e)); // never started, or finished unreported: innocent
    if (suspects.entries.length === 1) {
      const e = suspects.entries[0]!;
      if (++e.deaths <= this.retries) {
        e.isolate = true;
        again.unshift(e);
      } else {
        this.settle(e, workerDeathError(this.transport, label, e.task, suspects.node, exit, true, { attempts: e.deaths, retries: this.retries }));
      }
    } else {
      // which one killed it is unknown: run each alone to find out
      for (const e of suspects.entries) e.isolate = true;
      again.unshift(...suspects.entries);
    }
    this.requeue(again);
    this.dispatch();
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
      this.ready.add(run);
    }
    this.scheduleDispatch();
  }

  // ---- timeouts ---------------------------------------------------------------------

  private timeOut(slot: Slot, overrun: Overrun): void {
    const entries = this.workers.remove(slot, "timeout");
    const suspects = overrun.entries;
    if (suspects.length === 1) {
      const e = suspects[0]!;
      this.settle(e, workerTimeoutError(this.transport, slot.worker.label, e.task, overrun.node, e.timeoutMs ?? overrun.timeoutMs));
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
    for (const slot of [...this.workers.slots]) {
      const running = runningBatch(slot);
      const mine = slot.batches.filter((b) => b.run === run);
      if (mine.length === 0) continue;
      // a batch of the run that is only waiting in the worker runs to no avail; a running one is stopped
      if (running?.run === run) again.push(...this.workers.remove(slot, "abort").filter((e) => e.run !== run));
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
    if (e.sink) e.sink.taskSettled(e.task, true, outputs);
    else e.resolve(outputs);
  }

  private settle(e: Entry, error: unknown): void {
    if (e.settled) return;
    e.settled = true;
    this.inFlight--;
    if (e.sink) e.sink.taskSettled(e.task, false, error);
    else e.reject(error);
  }

  /** No run and no task left: stop idle workers `idleTimeoutMs` after the pool last had work. */
  private maybeIdle(): void {
    if (this.activeRuns > 0 || this.inFlight > 0 || this.workers.size === 0) return;
    this.idleSince = clock();
    if (this.idleTimeoutMs === 0) return this.stopIdle();
    // one timer, moved on rather than re-created when runs come and go
    this.idleTimer ??= this.idleAfter(this.idleTimeoutMs);
  }

  private idleAfter(ms: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.activeRuns > 0 || this.inFlight > 0) return; // busy again: the next idle moment re-arms it
      const left = this.idleSince + this.idleTimeoutMs - clock();
      if (left > 1) this.idleTimer = this.idleAfter(left);
      else this.stopIdle();
    }, ms);
    (timer as { unref?: () => void }).unref?.();
    return timer;
  }

  private stopIdle(): void {
    for (const slot of [...this.workers.slots]) if (slot.batches.length === 0) this.workers.remove(slot, "idle");
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** The branches the tasks a worker reported on held (an item batch counts its items). */
function itemsIn(batch: Batch, msg: ResultsMessage): number {
  let n = 0;
  for (const i of msg.done) n += batch.entries[i]?.task.items?.count ?? 1;
  for (const [i] of msg.failures) n += batch.entries[i]?.task.items?.count ?? 1;
  return n;
}

// Dispatch: when a task goes to its executor. One dispatcher per executor
// instance, shared by every run of every driver that uses it, so `maxTasks`
// (the executor's `canSubmitTask()`) caps tasks in flight across runs, and
// runs take turns (round-robin) so none starves another.
import { SynchronousLocalTaskExecutor, type RunSlots } from "../executors/local-executors.js";
import type { Task, TaskExecutor, TaskSink } from "../executors/task-executor.js";
import { isThenable } from "./invoke.js";

/** A run's side of a dispatcher (one per run and executor). */
export interface DispatchClient {
  /**
   * The task to submit now, or undefined when this client has none ready
   * (it calls `wake` again when it has). Called only when the executor can
   * take a task.
   */
  next(): Task | undefined;
  /** The executor settled a task this client handed over. */
  settled(task: Task, ok: boolean, value: unknown): void;
}

/**
 * Tasks an in-thread executor completes synchronously are settled on the spot,
 * without a promise; after this many in a row, one settles through a
 * microtask, so a long synchronous streak lets other runs' promises in.
 */
const INLINE_STREAK = 1024;

/** How long to wait before asking an executor again when it refused work with nothing in flight. */
const POLL_MS = [5, 20, 50, 100, 250] as const;

/**
 * Feeds one executor from every run that has work for it. Re-pumped on every
 * completion, whichever run it belongs to; an aborted or failed run leaves the
 * ring and its queued tasks are dropped, so it never holds the others up.
 */
export class TaskDispatcher {
  private readonly ring: DispatchClient[] = [];
  private readonly inRing = new Set<DispatchClient>();
  private cursor = 0;
  private inFlight = 0;
  private pumping = false;
  private again = false;
  private poll: ReturnType<typeof setTimeout> | undefined;
  private polls = 0;
  /** Set for the kernel's in-thread executors whose `submitTask` is their own: tasks then run here, without a promise while synchronous. */
  private readonly inThread: InThread | undefined;
  private streak = 0;
  /** Set when the executor settles tasks through a sink (`submitTaskTo`) rather than a promise each. */
  private readonly viaSink: boolean;
  /** The sink of each client (one per run), and the last one asked: tasks come in streaks of one run. */
  private readonly sinks = new WeakMap<DispatchClient, TaskSink>();
  private lastClient: DispatchClient | undefined;
  private lastSink: TaskSink | undefined;
  /** The client being asked for a task, and whether it was woken meanwhile (its `next()` ran other work that gave it a task). */
  private asking: DispatchClient | undefined;
  private wokenWhileAsked = false;

  constructor(readonly executor: TaskExecutor) {
    this.inThread = executor.submitTask === SynchronousLocalTaskExecutor.prototype.submitTask ? (executor as InThread) : undefined;
    this.viaSink = this.inThread === undefined && typeof executor.submitTaskTo === "function";
  }

  /** The client has (or may have) tasks ready: give it turns until it has none. */
  wake(client: DispatchClient): void {
    if (client === this.asking) this.wokenWhileAsked = true;
    if (!this.inRing.has(client)) {
      this.inRing.add(client);
      this.ring.push(client);
    }
    this.pump();
  }

  /** The client's run is over: no more turns. */
  leave(client: DispatchClient): void {
    if (client === this.lastClient) this.lastClient = this.lastSink = undefined; // hold no finished run
    if (!this.inRing.delete(client)) return;
    const i = this.ring.indexOf(client);
    this.ring.splice(i, 1);
    if (i < this.cursor) this.cursor--;
  }

  /**
   * Ask the executor again now: it may have freed capacity without settling a
   * task (an in-thread executor abandons the tasks of an aborted run).
   */
  kick(): void {
    this.pump();
  }

  /** Tasks this dispatcher submitted that the executor has not settled. */
  get tasksInFlight(): number {
    return this.inFlight;
  }

  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (this.ring.length > 0 && this.executor.canSubmitTask()) {
          if (this.cursor >= this.ring.length) this.cursor = 0;
          const client = this.ring[this.cursor]!;
          this.asking = client;
          this.wokenWhileAsked = false;
          let task: Task | undefined;
          try {
            task = client.next();
          } finally {
            this.asking = undefined;
          }
          if (task === undefined) {
            // woken while it answered: a task reached it meanwhile (from a task another executor ran inline), so ask again
            if (this.wokenWhileAsked && this.inRing.has(client)) continue;
            // the client may have left during next() (its run failed)
            if (this.ring[this.cursor] === client) {
              this.ring.splice(this.cursor, 1);
              this.inRing.delete(client);
            }
            continue;
          }
          this.cursor++;
          this.submit(client, task);
        }
      } while (this.again);
    } finally {
      this.pumping = false;
    }
    this.schedulePoll();
  }

  private submit(client: DispatchClient, task: Task): void {
    this.inFlight++;
    let p: Promise<Record<string, unknown>>;
    const e = this.inThread;
    if (e) {
      // what the executor's submitTask does, without its promise
      let out: unknown;
      let slots: RunSlots | undefined;
      try {
        slots = e.acquire(task);
        const inline = (task as { runInline?: () => unknown }).runInline;
        out = inline ? inline.call(task) : task.run();
      } catch (error) {
        if (slots) e.release(slots);
        this.settle(client, task, false, error);
        return;
      }
      e.ran(task, !isThenable(out));
      if (!isThenable(out)) {
        e.release(slots);
        if (++this.streak < INLINE_STREAK) {
          this.settle(client, task, true, out);
          return;
        }
        this.streak = 0;
        p = Promise.resolve(out as Record<string, unknown>);
      } else {
        const held = slots;
        p = Promise.resolve(out as Promise<Record<string, unknown>>).finally(() => e.release(held));
      }
    } else if (this.viaSink) {
      const sink = this.sinkOf(client);
      try {
        this.executor.submitTaskTo!(task, sink);
      } catch (error) {
        // a broken executor: it promised not to throw, so it did not report this task either
        this.settle(client, task, false, error);
      }
      return;
    } else {
      try {
        p = Promise.resolve(this.executor.submitTask(task));
      } catch (error) {
        p = Promise.reject(error);
      }
    }
    p.then(
      (value) => this.settle(client, task, true, value),
      (error: unknown) => this.settle(client, task, false, error),
    );
  }

  private sinkOf(client: DispatchClient): TaskSink {
    if (client === this.lastClient) return this.lastSink!;
    let sink = this.sinks.get(client);
    if (!sink) this.sinks.set(client, (sink = { taskSettled: (task, ok, value) => this.settle(client, task, ok, value) }));
    this.lastClient = client;
    this.lastSink = sink;
    return sink;
  }

  private settle(client: DispatchClient, task: Task, ok: boolean, value: unknown): void {
    this.inFlight--;
    this.polls = 0;
    try {
      client.settled(task, ok, value);
    } finally {
      this.pump();
    }
  }

  /**
   * An executor that refuses work while none of ours is in flight (its capacity
   * is held elsewhere, e.g. a shared queue) will not wake us by a completion:
   * ask again after a short, growing pause.
   */
  private schedulePoll(): void {
    if (this.ring.length === 0 || this.inFlight > 0 || this.poll !== undefined) return;
    const ms = POLL_MS[Math.min(this.polls++, POLL_MS.length - 1)]!;
    this.poll = setTimeout(() => {
      this.poll = undefined;
      this.pump();
    }, ms);
  }
}

/** The kernel's in-thread executor, as its dispatcher sees it. */
interface InThread extends TaskExecutor {
  acquire(task: Task): RunSlots;
  ran(task: Task, sync: boolean): void;
  release(slots: RunSlots): void;
}

const dispatchers = new WeakMap<TaskExecutor, TaskDispatcher>();

/** The one dispatcher of an executor instance. */
export function dispatcherFor(executor: TaskExecutor): TaskDispatcher {
  let d = dispatchers.get(executor);
  if (!d) dispatchers.set(executor, (d = new TaskDispatcher(executor)));
  return d;
}

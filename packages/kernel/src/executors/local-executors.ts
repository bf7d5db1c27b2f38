import { abortErrorFrom } from "../errors.js";
import { isThenable } from "../execution/invoke.js";
import type { ExecutorContext, Task, TaskExecutor } from "./task-executor.js";

/** The method of the kernel's in-thread executors that runs a task now (see `InThreadExecutor`). */
export const RUN_INLINE: unique symbol = Symbol("hamilton-ts.run-inline");

/** The tasks of one run in this executor: how many run, and whether the run abandoned them. */
interface RunSlots {
  running: number;
  abandoned: boolean;
}

/**
 * Runs tasks in the calling thread, at most `limit` at once (across every run
 * that uses it). When a task's run is aborted or fails, its slots are freed at
 * once: the run's async work is abandoned (it cannot be stopped), so it never
 * holds up other runs.
 */
abstract class InThreadExecutor implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  private running = 0;
  // one abort listener per run, not per task: a run's tasks share its signal
  private readonly runs = new WeakMap<AbortSignal, RunSlots>();
  // tasks of one run come in streaks: spare the WeakMap lookup for them
  private lastSignal: AbortSignal | undefined;
  private lastSlots: RunSlots | undefined;
  protected constructor(private readonly limit: number) {}
  init(_context?: ExecutorContext): void {}
  canSubmitTask(): boolean {
    return this.running < this.limit;
  }
  async submitTask(task: Task): Promise<Record<string, unknown>> {
    return this[RUN_INLINE](task) as Record<string, unknown>;
  }
  /**
   * `submitTask` without a promise while the task's nodes are synchronous:
   * the outputs, or a Promise of them; a failure is thrown. The kernel's
   * dispatcher calls it when `submitTask` is this class's own.
   * @internal
   */
  [RUN_INLINE](task: Task): unknown {
    const signal = task.signal;
    if (signal.aborted) throw abortErrorFrom(signal);
    let slots = this.lastSlots!;
    if (signal !== this.lastSignal) {
      slots = this.slotsOf(signal);
      this.lastSignal = signal;
      this.lastSlots = slots;
    }
    this.running++;
    slots.running++;
    let out: unknown;
    try {
      out = ((task as { runInline?: () => unknown }).runInline ?? task.run).call(task);
    } finally {
      // a value or a throw frees the slot now, a promise when it settles
      if (!isThenable(out)) this.release(slots);
    }
    return isThenable(out) ? Promise.resolve(out).finally(() => this.release(slots)) : out;
  }
  private release(slots: RunSlots): void {
    // an abandoned run's slots were freed when it was aborted
    if (!slots.abandoned) {
      this.running--;
      slots.running--;
    }
  }
  finalize(): void {}

  private slotsOf(signal: AbortSignal): RunSlots {
    let slots = this.runs.get(signal);
    if (slots) return slots;
    const created: RunSlots = { running: 0, abandoned: false };
    this.runs.set(signal, created);
    signal.addEventListener(
      "abort",
      () => {
        created.abandoned = true;
        this.running -= created.running;
        created.running = 0;
      },
      { once: true },
    );
    return created;
  }
}

/** Runs one task at a time, in the calling thread. The default local executor. */
export class SynchronousLocalTaskExecutor extends InThreadExecutor {
  constructor() {
    super(1);
  }
}

/** Options of `ConcurrentLocalTaskExecutor`. */
export interface ConcurrentLocalTaskExecutorOptions {
  /** How many tasks may be in flight at once (default 10). */
  maxTasks?: number;
}

/**
 * Runs up to `maxTasks` tasks at once in the calling thread: async nodes (I/O)
 * interleave on the event loop. CPU-bound work gains nothing here; use
 * `MultiThreadingExecutor` from `@hamilton-ts/executor-threads` for that.
 */
export class ConcurrentLocalTaskExecutor extends InThreadExecutor {
  readonly maxTasks: number;
  constructor(options: ConcurrentLocalTaskExecutorOptions = {}) {
    const maxTasks = options.maxTasks ?? 10;
    if (!Number.isInteger(maxTasks) || maxTasks < 1) throw new RangeError(`maxTasks must be a positive integer, got ${maxTasks}`);
    super(maxTasks);
    this.maxTasks = maxTasks;
  }
}

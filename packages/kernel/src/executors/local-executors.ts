import { abortErrorFrom } from "../errors.js";
import type { ExecutorContext, Task, TaskExecutor } from "./task-executor.js";

/** The tasks of one run in this executor: how many run, and whether the run abandoned them. */
export interface RunSlots {
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
    const slots = this.acquire(task);
    try {
      return await task.run();
    } finally {
      this.release(slots);
    }
  }
  /**
   * Take a slot for `task` (refused when its run was aborted). With `release`,
   * what `submitTask` does around running the task; the kernel's dispatcher
   * uses the pair to run a synchronous task without a promise.
   * @internal
   */
  acquire(task: Task): RunSlots {
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
    return slots;
  }
  /** @internal */
  release(slots: RunSlots): void {
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
  /**
   * Branches of a block it takes in one task (see `TaskExecutor.itemsPerTask`):
   * they run one at a time either way, so without a task's scheduling each.
   */
  itemsPerTask(_task: Task): number {
    return 256;
  }
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

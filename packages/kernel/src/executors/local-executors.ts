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
  /**
   * The dispatcher ran `task` inline: it finished synchronously, or returned
   * a promise (its nodes are async). Lets an executor learn which templates
   * may run as item batches.
   * @internal
   */
  ran(_task: Task, _sync: boolean): void {}
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
  /** Per template (its node list): branches seen finishing synchronously, or -1 once one returned a promise. */
  private readonly syncRuns = new WeakMap<readonly string[], number>();
  constructor(options: ConcurrentLocalTaskExecutorOptions = {}) {
    const maxTasks = options.maxTasks ?? 10;
    if (!Number.isInteger(maxTasks) || maxTasks < 1) throw new RangeError(`maxTasks must be a positive integer, got ${maxTasks}`);
    super(maxTasks);
    this.maxTasks = maxTasks;
  }
  /**
   * Branches of a block it takes in one task (see `TaskExecutor.itemsPerTask`):
   * several only for a template whose branches have all finished synchronously
   * (nothing to interleave); one for good once any returned a promise, so
   * async branches keep running `maxTasks` at once.
   */
  itemsPerTask(task: Task): number {
    const n = this.syncRuns.get(task.nodes) ?? 0;
    return n >= SYNC_BEFORE_BATCHES ? CONCURRENT_BATCH : 1;
  }
  /** @internal */
  override ran(task: Task, sync: boolean): void {
    if (!task.isBlock) return;
    const nodes = task.nodes;
    const n = this.syncRuns.get(nodes) ?? 0;
    // once batching, only a promise changes anything
    if (!sync) {
      if (n >= 0) this.syncRuns.set(nodes, -1);
    } else if (n >= 0 && n < SYNC_BEFORE_BATCHES) this.syncRuns.set(nodes, n + 1);
  }
}

/** Synchronous branches seen before a template's branches run as item batches on `ConcurrentLocalTaskExecutor`. */
const SYNC_BEFORE_BATCHES = 32;
/**
 * Branches per item batch there: most of a task's cost saved, while a template
 * that turns async after all runs at most this many branches one after another once.
 */
const CONCURRENT_BATCH = 64;

import { raceAbort } from "./race-abort.js";
import type { ExecutorContext, Task, TaskExecutor } from "./task-executor.js";

/**
 * Runs tasks in the calling thread, at most `limit` at once (across every run
 * that uses it). When a task's run is aborted or fails, its slot is freed at
 * once: the task's async work is abandoned, so it never holds up other runs.
 */
abstract class InThreadExecutor implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  private running = 0;
  protected constructor(private readonly limit: number) {}
  init(_context?: ExecutorContext): void {}
  canSubmitTask(): boolean {
    return this.running < this.limit;
  }
  async submitTask(task: Task): Promise<Record<string, unknown>> {
    this.running++;
    try {
      return await raceAbort(task.run(), task.signal);
    } finally {
      this.running--;
    }
  }
  finalize(): void {}
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

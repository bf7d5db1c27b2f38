import type { ExecutorContext, Task, TaskExecutor } from "./task-executor.js";

/**
 * Runs one task at a time, in the calling thread. The default local executor.
 */
export class SynchronousLocalTaskExecutor implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  private running = 0;
  init(_context?: ExecutorContext): void {}
  canSubmitTask(): boolean {
    return this.running === 0;
  }
  async submitTask(task: Task): Promise<Record<string, unknown>> {
    this.running++;
    try {
      return await task.run();
    } finally {
      this.running--;
    }
  }
  finalize(): void {}
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
export class ConcurrentLocalTaskExecutor implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  readonly maxTasks: number;
  private running = 0;
  constructor(options: ConcurrentLocalTaskExecutorOptions = {}) {
    const maxTasks = options.maxTasks ?? 10;
    if (!Number.isInteger(maxTasks) || maxTasks < 1) throw new RangeError(`maxTasks must be a positive integer, got ${maxTasks}`);
    this.maxTasks = maxTasks;
  }
  init(_context?: ExecutorContext): void {}
  canSubmitTask(): boolean {
    return this.running < this.maxTasks;
  }
  async submitTask(task: Task): Promise<Record<string, unknown>> {
    this.running++;
    try {
      return await task.run();
    } finally {
      this.running--;
    }
  }
  finalize(): void {}
}

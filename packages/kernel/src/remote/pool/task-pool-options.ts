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
  /**
   * Most branches of one parallel block in one task (default 256; see
   * `TaskExecutor.itemsPerTask`): the kernel's scheduling and the pool's
   * bookkeeping are paid per task, not per branch. `1` turns item batches off
   * (a transport whose workers are not the kernel's `WorkerLoop` must). With
   * `taskTimeoutMs` it is 1: each branch keeps its own clock.
   */
  readonly itemsPerTask?: number;
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

/** The options with their defaults, checked; errors name the executor. */
export type ResolvedPoolOptions = Required<Omit<TaskPoolOptions, "taskTimeoutMs">> & Pick<TaskPoolOptions, "taskTimeoutMs">;

export function resolvePoolOptions(executor: string, options: TaskPoolOptions): ResolvedPoolOptions {
  const int = (name: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${executor}: ${name} must be an integer >= ${min}, got ${value}`);
    return value;
  };
  if (options.taskTimeoutMs !== undefined && !(options.taskTimeoutMs > 0)) {
    throw new RangeError(`${executor}: taskTimeoutMs must be a positive number of milliseconds, got ${options.taskTimeoutMs}`);
  }
  return {
    maxTasks: int("maxTasks", options.maxTasks, 1),
    chunkSize: int("chunkSize", options.chunkSize ?? 512, 1),
    itemsPerTask: options.taskTimeoutMs !== undefined ? 1 : int("itemsPerTask", options.itemsPerTask ?? 256, 1),
    retries: int("retries", options.retries ?? 0, 0),
    idleTimeoutMs: int("idleTimeoutMs", options.idleTimeoutMs ?? 5000, 0),
    taskTimeoutMs: options.taskTimeoutMs,
    nodeEvents: options.nodeEvents ?? "auto",
  };
}

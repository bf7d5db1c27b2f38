import { ConcurrentLocalTaskExecutor, SynchronousLocalTaskExecutor } from "./local-executors.js";
import type { Task, TaskExecutor } from "./task-executor.js";

/** What an ExecutionManager sees of a task when choosing its executor. */
export type TaskDescription = Pick<Task, "taskId" | "nodes" | "isBlock" | "path">;

/** Chooses the executor for each task. */
export interface ExecutionManager {
  /** Every executor this manager may choose (the kernel inits and finalizes them). */
  executors(): readonly TaskExecutor[];
  getExecutorFor(task: TaskDescription): TaskExecutor;
}

/**
 * Sends tasks inside parallel blocks to the remote executor and everything else
 * to the local one.
 */
export class DefaultExecutionManager implements ExecutionManager {
  readonly localExecutor: TaskExecutor;
  readonly remoteExecutor: TaskExecutor;
  constructor(options: { localExecutor?: TaskExecutor; remoteExecutor?: TaskExecutor } = {}) {
    this.localExecutor = options.localExecutor ?? new SynchronousLocalTaskExecutor();
    this.remoteExecutor = options.remoteExecutor ?? new ConcurrentLocalTaskExecutor({ maxTasks: 10 });
  }
  executors(): readonly TaskExecutor[] {
    return this.localExecutor === this.remoteExecutor ? [this.localExecutor] : [this.localExecutor, this.remoteExecutor];
  }
  getExecutorFor(task: TaskDescription): TaskExecutor {
    return task.isBlock ? this.remoteExecutor : this.localExecutor;
  }
}

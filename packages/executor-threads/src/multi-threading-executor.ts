import { availableParallelism } from "node:os";
import { TaskPool, type TaskPoolOptions } from "@hamilton-ts/kernel/remote";
import { ThreadTransport, type ThreadSpawnOptions } from "./thread-transport.js";

/** Options of `MultiThreadingExecutor`: the pool's (see `TaskPoolOptions`) and the threads'. */
export interface MultiThreadingExecutorOptions extends Partial<TaskPoolOptions> {
  /** Most worker threads, hence most tasks running at once across runs. Default: `os.availableParallelism()`. */
  maxTasks?: number;
  /** `worker_threads` resource limits of each worker, e.g. `{ maxOldGenerationSizeMb: 512 }`. */
  resourceLimits?: ThreadSpawnOptions["resourceLimits"];
  /** `execArgv` of each worker (default: inherited from the parent). */
  execArgv?: readonly string[];
  /** Environment of each worker (default: a copy of the parent's). */
  env?: ThreadSpawnOptions["env"];
}

/**
 * Runs tasks on a pool of `worker_threads` (specification v1). Workers import
 * the driver's modules by location, build the same graph once, and run tasks by
 * node name; values cross through the kernel's codec registry, with output
 * buffers transferred rather than copied.
 *
 * Everything else is the kernel's `TaskPool`: tasks of concurrent runs share
 * the threads fairly, tiny tasks travel in batches, a thread that dies or
 * overruns `taskTimeoutMs` is replaced (the task that caused it is known
 * exactly), an aborted run stops only the threads running its tasks, and idle
 * threads never keep the process alive.
 *
 * @example
 * const dr = await new Builder()
 *   .withModules(new URL("./pipeline.js", import.meta.url))
 *   .enableDynamicExecution({ allowExperimentalMode: true })
 *   .withRemoteExecutor(new MultiThreadingExecutor({ maxTasks: 4 }))
 *   .build();
 */
export class MultiThreadingExecutor extends TaskPool {
  constructor(options: MultiThreadingExecutorOptions = {}) {
    const { resourceLimits, execArgv, env, ...pool } = options;
    super(new ThreadTransport({ resourceLimits, execArgv, env }), { ...pool, maxTasks: pool.maxTasks ?? availableParallelism() });
  }
}

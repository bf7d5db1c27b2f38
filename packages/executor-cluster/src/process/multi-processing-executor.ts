import { availableParallelism } from "node:os";
import { TaskPool, type TaskPoolOptions } from "@hamilton-ts/kernel/remote";
import { childExecArgv, resolveChildScript } from "./child-script.js";
import { ChildTransport, type ChildWorker } from "./child-transport.js";

/** Options of `MultiProcessingExecutor`: the pool's (see `TaskPoolOptions`) and the processes'. */
export interface MultiProcessingExecutorOptions extends Omit<Partial<TaskPoolOptions>, "chunkSize"> {
  /** Most child processes, hence most tasks running at once across runs (default: `os.availableParallelism()`). */
  maxTasks?: number;
  /** Most tasks per message, adaptive below it (default 512; `"auto"`, as in earlier versions, is the default). `1` disables batching. */
  chunkSize?: number | "auto";
  /**
   * Node flags for children, added after the parent's own `process.execArgv`
   * (which children inherit, e.g. `--import tsx`), e.g. `["--max-semi-space-size=64"]`.
   */
  execArgv?: readonly string[];
  /** Children's memory limits. */
  resourceLimits?: {
    /** V8 old-generation heap limit, as `--max-old-space-size`. */
    maxOldGenerationSizeMb?: number;
  };
  /** Environment of the children (default: the parent's). */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the children (default: the parent's). */
  cwd?: string;
}

/**
 * Runs tasks in a pool of up to `maxTasks` Node child processes
 * (`child_process.fork` with `serialization: "advanced"`), for CPU-bound work
 * that should use every core and be isolated from the caller's process.
 *
 * Children import the driver's modules by location (pass module URLs or paths
 * to `withModules`, not namespace objects), build the same graph once, and run
 * tasks by node name; values cross through the kernel's codec registry.
 *
 * Everything else is the kernel's `TaskPool`: concurrent runs share the
 * children fairly, tiny tasks travel in batches, a child that dies or overruns
 * `taskTimeoutMs` is killed and replaced (suspects re-run alone to find the
 * culprit), an aborted run kills only the children running its tasks, and idle
 * children never keep the caller's process alive. `close()` (called by
 * `Driver.close()`) kills every child; the executor may be used again after.
 *
 * @example
 * const dr = await new Builder()
 *   .withModules(new URL("./pipeline.js", import.meta.url))
 *   .enableDynamicExecution({ allowExperimentalMode: true })
 *   .withRemoteExecutor(new MultiProcessingExecutor({ maxTasks: 4 }))
 *   .build();
 */
export class MultiProcessingExecutor extends TaskPool<ChildWorker> {
  constructor(options: MultiProcessingExecutorOptions = {}) {
    const { execArgv, resourceLimits, env, cwd, chunkSize, ...pool } = options;
    const heap = resourceLimits?.maxOldGenerationSizeMb;
    if (heap !== undefined && (!Number.isInteger(heap) || heap < 1)) {
      throw new RangeError(`MultiProcessingExecutor: resourceLimits.maxOldGenerationSizeMb must be a positive integer, got ${heap}`);
    }
    const extra = [...(execArgv ?? []), ...(heap !== undefined ? [`--max-old-space-size=${heap}`] : [])];
    let script: { path: string; execArgv: readonly string[] } | undefined;
    const transport = new ChildTransport({
      // found on the first spawn, not at construction: a driver that never runs a task never looks
      script: () => {
        if (!script) {
          const found = resolveChildScript();
          script = { path: found.path, execArgv: childExecArgv(process.execArgv, found, extra) };
        }
        return script;
      },
      env,
      cwd,
      heapLimitMb: heap,
    });
    super(transport, { ...pool, chunkSize: chunkSize === "auto" ? undefined : chunkSize, maxTasks: pool.maxTasks ?? availableParallelism() });
  }

  /** Process ids of the live children. */
  get pids(): number[] {
    return this.liveWorkers.map((w) => w.pid).filter((p): p is number => p !== undefined);
  }
}

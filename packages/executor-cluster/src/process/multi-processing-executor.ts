import { availableParallelism } from "node:os";
import { type ExecutorContext, type Task, type TaskExecutor } from "@hamilton-ts/kernel/contracts";
import { encodeTaskInputs, workerSetupOf, type EncodedInputs } from "@hamilton-ts/kernel/remote";
import { childExecArgv, resolveChildScript } from "./child-script.js";
import { ProcessPool } from "./process-pool.js";

/** Options of `MultiProcessingExecutor`. */
export interface MultiProcessingExecutorOptions {
  /** Most child processes, hence most tasks running at once (default: `os.availableParallelism()`). */
  maxTasks?: number;
  /**
   * Tasks per IPC message. `"auto"` (default) adapts to the time tasks take:
   * one per message for long tasks, up to 512 for trivial ones.
   */
  chunkSize?: number | "auto";
  /**
   * How many times a task whose child process died (exit, crash, out of
   * memory) runs again in a fresh process before its run fails (default 0).
   * An error thrown by a node is never retried.
   */
  retries?: number;
  /** Idle children are killed after this long once no run is active (default 5000 ms). */
  idleTimeoutMs?: number;
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

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
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
 * Lifecycle: the pool starts on the first task and is reused by later
 * `execute` calls; idle children never keep the caller's process alive, and
 * are killed `idleTimeoutMs` after the last run ended. When a run fails or is
 * aborted, the children running its tasks are killed at once. `close()` (called
 * by `Driver.close()`) kills every child.
 *
 * @example
 * const dr = await new Builder()
 *   .withModules(new URL("./pipeline.js", import.meta.url))
 *   .enableDynamicExecution({ allowExperimentalMode: true })
 *   .withRemoteExecutor(new MultiProcessingExecutor({ maxTasks: 4 }))
 *   .build();
 */
export class MultiProcessingExecutor implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  readonly requiresModuleLocations = true;
  readonly maxTasks: number;
  private readonly options: MultiProcessingExecutorOptions;
  private pool: ProcessPool | undefined;
  private readonly runs = new Map<string, { setupId: number; fingerprint: string; wantsEvents: boolean }>();
  private activeRuns = 0;

  constructor(options: MultiProcessingExecutorOptions = {}) {
    this.maxTasks = positiveInt("maxTasks", options.maxTasks ?? availableParallelism());
    if (options.chunkSize !== undefined && options.chunkSize !== "auto") positiveInt("chunkSize", options.chunkSize);
    if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0)) {
      throw new RangeError(`retries must be a non-negative integer, got ${options.retries}`);
    }
    if (options.idleTimeoutMs !== undefined && !(options.idleTimeoutMs >= 0)) throw new RangeError(`idleTimeoutMs must be >= 0, got ${options.idleTimeoutMs}`);
    this.options = options;
  }

  /** Process ids of the live children. */
  get pids(): number[] {
    return this.pool?.pids ?? [];
  }

  init(context: ExecutorContext): void {
    // a module without a location is refused before a child is started
    const setup = workerSetupOf(context);
    const pool = (this.pool ??= this.createPool());
    const setupId = pool.setupId(setup);
    this.runs.set(context.runId, { setupId, fingerprint: context.graphFingerprint, wantsEvents: context.wantsNodeEvents !== false });
    this.activeRuns++;
    pool.runStarted();
  }

  canSubmitTask(): boolean {
    return this.pool ? this.pool.canSubmit() : true;
  }

  submitTask(task: Task): Promise<Record<string, unknown>> {
    const run = this.runs.get(task.runId);
    if (!run || !this.pool) return Promise.reject(new Error(`MultiProcessingExecutor received task ${task.taskId} of run ${task.runId} before init().`));
    if (task.signal.aborted) return Promise.reject(task.signal.reason);
    let inputs: EncodedInputs;
    try {
      // a value that cannot cross fails here, naming its node, before anything is sent
      inputs = encodeTaskInputs(task);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.pool.submit(task, { ...inputs, graphFingerprint: run.fingerprint, setupId: run.setupId, wantsEvents: run.wantsEvents });
  }

  finalize(): void {
    if (this.activeRuns === 0) return; // Driver.close() finalizes without a run
    this.activeRuns--;
    if (this.activeRuns === 0) this.runs.clear();
    this.pool?.runEnded();
  }

  /** Kill every child process now. The executor may still be used afterwards: a new pool starts lazily. */
  close(): void {
    this.pool?.close();
    this.pool = undefined;
    this.runs.clear();
    this.activeRuns = 0;
  }

  private createPool(): ProcessPool {
    const o = this.options;
    const script = resolveChildScript();
    const extra = [...(o.execArgv ?? [])];
    const heap = o.resourceLimits?.maxOldGenerationSizeMb;
    if (heap !== undefined) extra.push(`--max-old-space-size=${positiveInt("resourceLimits.maxOldGenerationSizeMb", heap)}`);
    return new ProcessPool({
      maxTasks: this.maxTasks,
      chunkSize: o.chunkSize ?? "auto",
      retries: o.retries ?? 0,
      idleTimeoutMs: o.idleTimeoutMs ?? 5000,
      heapLimitMb: heap,
      script: script.path,
      execArgv: childExecArgv(process.execArgv, script, extra),
      env: o.env,
      cwd: o.cwd,
    });
  }
}

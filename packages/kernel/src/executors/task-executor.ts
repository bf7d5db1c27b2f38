import type { ModuleSource } from "../node/from-modules.js";

/** A node event a remote executor reports back so the caller's node hooks fire. */
export interface NodeEvent {
  readonly type: "pre" | "post";
  readonly nodeName: string;
  readonly success?: boolean;
  readonly error?: unknown;
  readonly durationMs?: number;
}

/**
 * A task: a group of nodes run as one unit between serialization boundaries
 * (specification v1). Local executors call `run()`; remote executors send
 * `nodes`, `inputs` and `outputs` to a worker that built the same graph, and
 * call `reportNodeEvent` for the node events the worker sends back.
 */
export interface Task {
  readonly runId: string;
  /** Unique within the run, e.g. `total`, `block-steps[3]`, `block-inner[3,1]`. */
  readonly taskId: string;
  /** Node names to run, in dependency order. */
  readonly nodes: readonly string[];
  /** Values of every dependency produced outside the task (collect parameters arrive as arrays). */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Nodes whose values the task must return. */
  readonly outputs: readonly string[];
  /** Nodes among `nodes` that are `parallelizable`: a worker returns their items as an array. */
  readonly expanders: readonly string[];
  /** Item indices of the enclosing parallel blocks (`[]` outside any block). */
  readonly path: readonly number[];
  /** True when the task runs inside a parallel block. */
  readonly isBlock: boolean;
  /** Aborted when the run is cancelled or fails: stop work for this task. */
  readonly signal: AbortSignal;
  /** Run the task in this thread (hooks, adapters and all). */
  run(): Promise<Record<string, unknown>>;
  /** For remote executors: forward a node event from the worker to the caller's hooks. */
  reportNodeEvent(event: NodeEvent): void;
}

/** What an executor learns about the run before tasks arrive. */
export interface ExecutorContext {
  readonly runId: string;
  /** The modules the graph was built from; remote executors need their `location`s. */
  readonly modules: readonly ModuleSource[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly allowModuleOverrides: boolean;
  /** Workers compare this with their own graph's fingerprint and refuse a mismatch. */
  readonly graphFingerprint: string;
  /**
   * True when the caller has `preNodeExecute`/`postNodeExecute` hooks. Remote
   * executors may skip sending node events back when it is false; when it is
   * absent (an older kernel), send them.
   */
  readonly wantsNodeEvents?: boolean;
  /**
   * Module specifiers of every codec registered in the driver's process. Workers
   * import them at start (`TaskRunnerOptions.codecModules`) so they can encode and
   * decode the same types.
   */
  readonly codecModules?: readonly string[];
}

/**
 * Where tasks run (specification v1). The kernel calls `init` before each run and
 * `finalize` after it (success, failure or abort); pooled executors may keep idle
 * workers between runs as long as those never keep the process alive, and must
 * stop in-flight work when a task's `signal` aborts.
 */
export interface TaskExecutor {
  readonly specificationVersion?: "v1";
  /** Set when tasks run elsewhere and workers must import modules by location. */
  readonly requiresModuleLocations?: boolean;
  init(context: ExecutorContext): void | Promise<void>;
  /** Whether another task may be submitted now (the kernel waits otherwise). */
  canSubmitTask(): boolean;
  /** Run a task; resolves to the values of `task.outputs`. */
  submitTask(task: Task): Promise<Record<string, unknown>>;
  finalize(): void | Promise<void>;
  /** Optional: release everything for good (the Driver's `close()` calls it). */
  close?(): void | Promise<void>;
}

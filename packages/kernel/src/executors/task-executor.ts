import type { ModuleSource } from "../node/from-modules.js";

import type { ValidationResult } from "../errors.js";

/**
 * A node event a remote executor reports back so the caller's hooks fire and
 * the driver learns what happened in the worker. `pre`/`post` are sent only
 * when the caller has node hooks (`ExecutorContext.wantsNodeEvents`);
 * `validation` (the results of a node's `checkOutput`) is always sent.
 */
export type NodeEvent =
  | { readonly type: "pre"; readonly nodeName: string }
  | {
      readonly type: "post";
      readonly nodeName: string;
      readonly success?: boolean;
      readonly error?: unknown;
      readonly durationMs?: number;
    }
  | { readonly type: "validation"; readonly nodeName: string; readonly results: readonly ValidationResult[] };

/**
 * What a task is for, as in Hamilton's node-group purpose: `plain` (nodes
 * outside any parallel block), `expander` (holds a `parallelizable` node),
 * `branch` (one item's nodes inside a block), `collector` (holds a `collect`
 * node). A task that both expands and collects is an `expander`.
 */
export type TaskPurpose = "plain" | "expander" | "branch" | "collector";

/**
 * A task: a group of nodes run as one unit between serialization boundaries
 * (specification v1). Local executors call `run()`; remote executors send
 * `nodes`, `inputs` and `outputs` to a worker that built the same graph, and
 * call `reportNodeEvent` for the node events the worker sends back.
 */
export interface Task {
  readonly runId: string;
  /** The run this task belongs to: the same object the executor's `init()` received. */
  readonly context: ExecutorContext;
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
  /** The innermost parallel block the task runs in (its expander's name); undefined at the top level. */
  readonly block: string | undefined;
  readonly purpose: TaskPurpose;
  /** 1-based attempt: a retried task is submitted again with `attempt + 1`. */
  readonly attempt: number;
  /**
   * The longest one attempt may take (ms): the sum of its nodes' `timeoutMs`
   * when every node has one, else undefined. An executor also applies its own
   * `taskTimeoutMs`; a worker that overruns is terminated and replaced.
   */
  readonly timeoutMs: number | undefined;
  /**
   * Set on an item batch: several branches of one parallel block in one task,
   * given only to executors that take them (`TaskExecutor.itemsPerTask`).
   * `inputs[items.input]` is then an array of the items; the nodes run once
   * per item, and each output is an array with a value per item. `run()` and
   * the kernel's workers do this; a failing item names its own task id.
   */
  readonly items?: TaskItems;
  /** Aborted when the run is cancelled or fails: stop work for this task. */
  readonly signal: AbortSignal;
  /** Run the task in this thread (hooks, adapters and all). */
  run(): Promise<Record<string, unknown>>;
  /** For remote executors: forward a node event from the worker to the caller's hooks. */
  reportNodeEvent(event: NodeEvent): void;
}

/** Where an executor reports the end of a task given to `submitTaskTo`. */
export interface TaskSink {
  /** `ok`: `value` is the task's outputs; else `value` is the error `submitTask` would reject with. */
  taskSettled(task: Task, ok: boolean, value: unknown): void;
}

/** The items of an item batch (`Task.items`): `count` branches from item `first` on. */
export interface TaskItems {
  /** The input holding the items (the block's `parallelizable` node). */
  readonly input: string;
  readonly first: number;
  readonly count: number;
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
   * The codec module allow-list of the run: modules of every codec registered
   * in the driver's process plus those the user named. A worker imports one of
   * them only when a value needs its codec, and never a module outside it.
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
  /** The contract version implemented; `build()` refuses one it does not know (`UnsupportedSpecificationVersionError`). */
  readonly specificationVersion: "v1";
  /** Set when tasks run elsewhere and workers must import modules by location. */
  readonly requiresModuleLocations?: boolean;
  init(context: ExecutorContext): void | Promise<void>;
  /** Whether another task may be submitted now (the kernel waits otherwise). */
  canSubmitTask(): boolean;
  /**
   * Optional: how many branches like `task` (a branch of a parallel block)
   * this executor takes in one task now (`Task.items`); absent or 1: one task
   * per branch. Asked again as branches are drawn, so a pool can follow the
   * branches' measured times. The kernel batches only branches nothing
   * observes one by one: no task or node hooks, no graph adapter, no cache,
   * no retry policy or timeout on the block's nodes, and a block of one task
   * template whose values only its collector reads.
   */
  itemsPerTask?(task: Task): number;
  /** Run a task; resolves to the values of `task.outputs`. */
  submitTask(task: Task): Promise<Record<string, unknown>>;
  /**
   * Optional: `submitTask` without a promise per task, for executors that
   * run many tiny tasks (a pool's calling thread spends much of its time
   * making and settling promises). When present, the kernel calls it instead
   * of `submitTask`. Report the task's end exactly once to `sink`, with the
   * same outputs or error `submitTask` would give; it may be reported before
   * this returns. It must not throw: a failure to submit is reported too.
   */
  submitTaskTo?(task: Task, sink: TaskSink): void;
  finalize(): void | Promise<void>;
  /** Optional: release everything for good (the Driver's `close()` calls it). */
  close?(): void | Promise<void>;
}

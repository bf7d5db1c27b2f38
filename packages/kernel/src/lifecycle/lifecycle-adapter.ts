// The lifecycle hook contract (specification v1): what an adapter passed to
// `withAdapters` may implement, and the argument each hook receives.
import type { CacheEvent } from "../cache/cache-options.js";
import type { TaskPurpose } from "../executors/task-executor.js";

/** Arguments of `preGraphExecute`. */
export interface PreGraphExecuteArgs {
  readonly runId: string;
  readonly finalVars: readonly string[];
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly overrides: Readonly<Record<string, unknown>>;
}
/** Arguments of `postGraphExecute`. */
export interface PostGraphExecuteArgs extends PreGraphExecuteArgs {
  readonly success: boolean;
  readonly error?: unknown;
  /** The outputs (before the result builder), when the run succeeded. */
  readonly result?: Readonly<Record<string, unknown>>;
}
/** Arguments of `preTaskExecute`. */
export interface PreTaskExecuteArgs {
  readonly runId: string;
  readonly taskId: string;
  /** Names of the nodes the task runs, in order. */
  readonly nodes: readonly string[];
  /** Item indices of the enclosing parallel blocks, outermost first (`[]` at the top level). */
  readonly path: readonly number[];
  /** The innermost parallel block (its expander's name); undefined at the top level. */
  readonly block: string | undefined;
  readonly purpose: TaskPurpose;
  /** 1-based attempt of the task. */
  readonly attempt: number;
}
/** Arguments of `postTaskExecute`. */
export interface PostTaskExecuteArgs extends PreTaskExecuteArgs {
  readonly success: boolean;
  readonly error?: unknown;
  readonly result?: Readonly<Record<string, unknown>>;
}
/** One task template of a run, as `postTaskGrouping` describes it. */
export interface TaskGroupInfo {
  /** The template's name: task ids are this name, plus `[i]` / `[i,j]` inside blocks. */
  readonly name: string;
  readonly nodes: readonly string[];
  /** Enclosing parallel blocks (expander names), outermost first. */
  readonly frame: readonly string[];
  readonly block: string | undefined;
  readonly purpose: TaskPurpose;
}
/** Arguments of `postTaskGrouping`: how the run's nodes were grouped into tasks. */
export interface PostTaskGroupingArgs {
  readonly runId: string;
  readonly tasks: readonly TaskGroupInfo[];
}
/** Arguments of `postTaskExpansion`: a parallelizable node's items are all known. */
export interface PostTaskExpansionArgs {
  readonly runId: string;
  /** The task that ran the expander. */
  readonly taskId: string;
  readonly expander: string;
  /** Item indices of the blocks enclosing this expansion (`[]` at the top level). */
  readonly path: readonly number[];
  /** How many items (branches) it produced. */
  readonly items: number;
}

/**
 * Arguments of `preNodeExecute`. `kwargs` is set for nodes that ran in this
 * thread; nodes run by a worker report their name, task and outcome only.
 */
export interface PreNodeExecuteArgs {
  readonly runId: string;
  readonly taskId: string;
  readonly nodeName: string;
  readonly nodeTags: Readonly<Record<string, string>>;
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /** 1-based attempt (a retried node fires its hooks again with the next attempt). */
  readonly attempt?: number;
}
/** Arguments of `postNodeExecute`. */
export interface PostNodeExecuteArgs extends PreNodeExecuteArgs {
  readonly success: boolean;
  readonly result?: unknown;
  readonly error?: unknown;
  /** Wall time of the node, in milliseconds. */
  readonly durationMs?: number;
}
/** Arguments of `doNodeExecute`: call `execute(kwargs)` to run the node's own function. */
export interface DoNodeExecuteArgs extends PreNodeExecuteArgs {
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly execute: (kwargs: Record<string, unknown>) => unknown;
}
/** Arguments of `doBuildResult`. */
export interface DoBuildResultArgs {
  readonly outputs: Readonly<Record<string, unknown>>;
}

/**
 * Lifecycle hooks: any object passed to `withAdapters` may implement any of
 * these. Several adapters are called in the order given. Hooks may be async.
 */
export interface LifecycleAdapter {
  preGraphExecute?(args: PreGraphExecuteArgs): void | Promise<void>;
  postGraphExecute?(args: PostGraphExecuteArgs): void | Promise<void>;
  /** After the run's nodes were grouped into tasks, before any runs. */
  postTaskGrouping?(args: PostTaskGroupingArgs): void | Promise<void>;
  /** After a parallelizable node's items are all known (one call per expansion). */
  postTaskExpansion?(args: PostTaskExpansionArgs): void | Promise<void>;
  preTaskExecute?(args: PreTaskExecuteArgs): void | Promise<void>;
  postTaskExecute?(args: PostTaskExecuteArgs): void | Promise<void>;
  preNodeExecute?(args: PreNodeExecuteArgs): void;
  postNodeExecute?(args: PostNodeExecuteArgs): void;
  /**
   * A decision or outcome of the cache (`Builder.withCache`) for one node of a
   * run: a hit (the node does not run, and no node hook fires for it), a miss,
   * a store, … The event is what `dr.cache.logs()` lists. Fired in the
   * driver's thread, not awaited.
   */
  postCacheEvent?(args: CacheEvent): void;
  /** Replace how a node runs (in the calling thread). The first adapter that has it wins. */
  doNodeExecute?(args: DoNodeExecuteArgs): unknown;
  /** Replace how the result is built. The last adapter that has it (or `buildResult`) wins. */
  doBuildResult?(args: DoBuildResultArgs): unknown;
}

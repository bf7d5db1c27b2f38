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
  /** Replace how a node runs (in the calling thread). The first adapter that has it wins. */
  doNodeExecute?(args: DoNodeExecuteArgs): unknown;
  /** Replace how the result is built. The last adapter that has it (or `buildResult`) wins. */
  doBuildResult?(args: DoBuildResultArgs): unknown;
}

type HookName = "preGraphExecute" | "postGraphExecute" | "preTaskExecute" | "postTaskExecute" | "preNodeExecute" | "postNodeExecute";

/** The adapters' hooks, gathered once per Driver so a run without hooks pays nothing. */
export class LifecycleHooks {
  readonly preGraph: Array<(a: PreGraphExecuteArgs) => void | Promise<void>>;
  readonly postGraph: Array<(a: PostGraphExecuteArgs) => void | Promise<void>>;
  readonly preTask: Array<(a: PreTaskExecuteArgs) => void | Promise<void>>;
  readonly postTask: Array<(a: PostTaskExecuteArgs) => void | Promise<void>>;
  readonly preNode: Array<(a: PreNodeExecuteArgs) => void>;
  readonly postNode: Array<(a: PostNodeExecuteArgs) => void>;
  readonly doNode: ((a: DoNodeExecuteArgs) => unknown) | undefined;
  /** Whether any node-level hook exists (the engine skips building kwargs otherwise). */
  readonly hasNodeHooks: boolean;

  constructor(adapters: readonly object[]) {
    const pick = <K extends HookName>(name: K) =>
      adapters
        .filter((a) => typeof (a as LifecycleAdapter)[name] === "function")
        .map((a) => (a as Required<LifecycleAdapter>)[name].bind(a)) as never;
    this.preGraph = pick("preGraphExecute");
    this.postGraph = pick("postGraphExecute");
    this.preTask = pick("preTaskExecute");
    this.postTask = pick("postTaskExecute");
    this.preNode = pick("preNodeExecute");
    this.postNode = pick("postNodeExecute");
    const doer = adapters.find((a) => typeof (a as LifecycleAdapter).doNodeExecute === "function") as
      | Required<LifecycleAdapter>
      | undefined;
    this.doNode = doer ? doer.doNodeExecute.bind(doer) : undefined;
    this.hasNodeHooks = this.preNode.length > 0 || this.postNode.length > 0 || this.doNode !== undefined;
  }

  static readonly none = new LifecycleHooks([]);
}

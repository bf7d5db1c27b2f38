// The adapters' hooks, gathered once per Driver, and the argument objects the
// node hooks receive. Node hooks fire once or twice per node, so their
// arguments are instances of two fixed-shape classes: object spreads
// (`{ ...base, success }`) hit a slow path in V8 and cost several µs per node.
import type { CacheEvent } from "../cache/cache-options.js";
import type {
  DoNodeExecuteArgs,
  LifecycleAdapter,
  PostGraphExecuteArgs,
  PostNodeExecuteArgs,
  PostTaskExecuteArgs,
  PostTaskExpansionArgs,
  PostTaskGroupingArgs,
  PreGraphExecuteArgs,
  PreNodeExecuteArgs,
  PreTaskExecuteArgs,
} from "./lifecycle-adapter.js";

type HookName =
  | "preGraphExecute"
  | "postGraphExecute"
  | "postTaskGrouping"
  | "postTaskExpansion"
  | "preTaskExecute"
  | "postTaskExecute"
  | "preNodeExecute"
  | "postNodeExecute"
  | "postCacheEvent";

type Hook<A> = (a: A) => void | Promise<void>;

/** The adapters' hooks, gathered once per Driver so a run without hooks pays nothing. */
export class LifecycleHooks {
  readonly preGraph: Array<Hook<PreGraphExecuteArgs>>;
  readonly postGraph: Array<Hook<PostGraphExecuteArgs>>;
  readonly postTaskGrouping: Array<Hook<PostTaskGroupingArgs>>;
  readonly postTaskExpansion: Array<Hook<PostTaskExpansionArgs>>;
  readonly preTask: Array<Hook<PreTaskExecuteArgs>>;
  readonly postTask: Array<Hook<PostTaskExecuteArgs>>;
  readonly preNode: Array<(a: PreNodeExecuteArgs) => void>;
  readonly postNode: Array<(a: PostNodeExecuteArgs) => void>;
  readonly cacheEvent: Array<(a: CacheEvent) => void>;
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
    this.postTaskGrouping = pick("postTaskGrouping");
    this.postTaskExpansion = pick("postTaskExpansion");
    this.preTask = pick("preTaskExecute");
    this.postTask = pick("postTaskExecute");
    this.preNode = pick("preNodeExecute");
    this.postNode = pick("postNodeExecute");
    this.cacheEvent = pick("postCacheEvent");
    const doer = adapters.find((a) => typeof (a as LifecycleAdapter).doNodeExecute === "function") as
      | Required<LifecycleAdapter>
      | undefined;
    this.doNode = doer ? doer.doNodeExecute.bind(doer) : undefined;
    this.hasNodeHooks = this.preNode.length > 0 || this.postNode.length > 0 || this.doNode !== undefined;
  }

  static readonly none = new LifecycleHooks([]);
}

/**
 * Call each hook with `args`; a hook that throws or rejects goes to `onError`
 * (which fails the run). Hooks are not awaited: a slow progress display must
 * not slow the run down.
 */
export function fireHooks<A>(hooks: ReadonlyArray<Hook<A>>, args: A, onError: (error: unknown) => void): void {
  for (let i = 0; i < hooks.length; i++) {
    let r: void | Promise<void>;
    try {
      r = hooks[i]!(args);
    } catch (error) {
      onError(error);
      continue;
    }
    if (r !== undefined && r !== null && typeof (r as PromiseLike<void>).then === "function") Promise.resolve(r).catch(onError);
  }
}

/** What `preNodeExecute` receives (one fixed shape for every node). */
export class PreNodeArgs implements PreNodeExecuteArgs {
  constructor(
    readonly runId: string,
    readonly taskId: string,
    readonly nodeName: string,
    readonly nodeTags: Readonly<Record<string, string>>,
    readonly kwargs: Readonly<Record<string, unknown>> | undefined,
    readonly attempt: number,
  ) {}
}

/** What `postNodeExecute` receives. */
export class PostNodeArgs implements PostNodeExecuteArgs {
  readonly runId: string;
  readonly taskId: string;
  readonly nodeName: string;
  readonly nodeTags: Readonly<Record<string, string>>;
  readonly kwargs: Readonly<Record<string, unknown>> | undefined;
  readonly attempt: number;
  constructor(
    pre: PreNodeArgs,
    readonly success: boolean,
    readonly result: unknown,
    readonly error: unknown,
    readonly durationMs: number | undefined,
  ) {
    this.runId = pre.runId;
    this.taskId = pre.taskId;
    this.nodeName = pre.nodeName;
    this.nodeTags = pre.nodeTags;
    this.kwargs = pre.kwargs;
    this.attempt = pre.attempt;
  }
}

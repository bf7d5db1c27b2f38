// The options and setup a Driver is made from: what `execute()` and the
// graph drawings take, what the classic constructor takes, and what
// `Builder.build()` assembles.
import type * as CacheWiring from "../cache/cache-wiring.js";
import type { CacheOptions } from "../cache/cache-options.js";
import type { RetryPolicy } from "../execution/retryer.js";
import type { ExecutionManager } from "../executors/execution-manager.js";
import type { GroupingStrategy } from "../grouping/grouping-strategy.js";
import type { ModuleSource } from "../node/from-modules.js";
import type { HamiltonGraphAdapter } from "../results/graph-adapter.js";
import type { ResultBuilder } from "../results/result-mixin.js";
import type * as DynamicWiring from "./run-dynamic.js";

/** Options of `execute`, `rawExecute`, `validateExecution` and `visualizeExecution`. */
export interface ExecuteOptions {
  /** Values for inputs (and, for names of function nodes, replacements like overrides). */
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** Values that replace nodes: the node and what only it needed are not computed. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Abort the run: it rejects with an error whose `name` is `"AbortError"`. */
  readonly signal?: AbortSignal;
}

/** Options of `visualizeExecution`. */
export interface VisualizeOptions extends ExecuteOptions {
  /** Colour the nodes the cache answered in this run (e.g. `dr.cache.lastRunId`): blue, labelled "cache hit" (or "cache hit k/n" across branches). */
  readonly cacheRunId?: string;
}

/** Everything a Driver is made of; `Builder.build()` assembles it. */
export interface DriverSetup {
  readonly config: Readonly<Record<string, unknown>>;
  readonly modules: readonly ModuleSource[];
  readonly adapters: readonly object[];
  readonly allowModuleOverrides: boolean;
  /** The retry policy of every node that has none of its own (`Builder.withRetryPolicy`). */
  readonly retryPolicy?: RetryPolicy;
  readonly dynamic?: {
    readonly executionManager: ExecutionManager;
    readonly grouping: GroupingStrategy;
    /** The dynamic executor's code, `run-dynamic.ts` (loaded by `build()` only then). */
    readonly wiring: typeof DynamicWiring;
  };
  /** `Builder.withCache`: its options, and the cache's code (loaded only then). */
  readonly cache?: { readonly options: CacheOptions; readonly wiring: typeof CacheWiring };
}

/** Options of the classic `new Driver(config, modules, options)` constructor. */
export interface DriverOptions<A = HamiltonGraphAdapter | ResultBuilder | object> {
  /** A graph adapter (e.g. `SimpleGraphAdapter`) or a result builder (e.g. `DictResult`); its result type types `execute()`. */
  readonly adapter?: A;
  /** Further lifecycle adapters. */
  readonly adapters?: readonly object[];
}

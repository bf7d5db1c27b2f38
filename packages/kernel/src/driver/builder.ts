import type { CacheOptions } from "../cache/cache-options.js";
import { GraphError } from "../errors.js";
import { resolveRetryPolicy, type RetryPolicy } from "../execution/retryer.js";
import type { ExecutionManager } from "../executors/execution-manager.js";
import type { TaskExecutor } from "../executors/task-executor.js";
import type { GroupingStrategy } from "../grouping/grouping-strategy.js";
import type { ModuleSource } from "../node/from-modules.js";
import type { ModuleLocation, ModuleNamespace } from "../remote/module-location.js";
import { Driver } from "./driver.js";
import { namespaceSources } from "./module-sources.js";
import type { DefaultResult, LastResultAdapter } from "./typed-results.js";

/** Options of `enableDynamicExecution`. */
export interface DynamicExecutionOptions {
  /** Accepted for compatibility with Hamilton; dynamic execution is not experimental here. */
  readonly allowExperimentalMode?: boolean;
}

/**
 * Assembles a Driver step by step. `build()` is async because module locations
 * are imported. The Builder carries the types of its modules (`M`) and of the
 * adapter that builds results (`R`) into the Driver, so `execute()` is typed;
 * a module location is typed with `withModules<typeof import("./p.js")>(url)`.
 *
 * @example
 * const dr = await new Builder()
 *   .withModules(new URL("./pipeline.js", import.meta.url))
 *   .enableDynamicExecution({ allowExperimentalMode: true })
 *   .withRemoteExecutor(new ConcurrentLocalTaskExecutor({ maxTasks: 5 }))
 *   .build();
 */
export class Builder<M extends ModuleNamespace = ModuleNamespace, R = DefaultResult> {
  private readonly moduleEntries: Array<ModuleNamespace | ModuleLocation> = [];
  private config: Record<string, unknown> = {};
  private adapters: object[] = [];
  private dynamic = false;
  private localExecutor: TaskExecutor | undefined;
  private remoteExecutor: TaskExecutor | undefined;
  private executionManager: ExecutionManager | undefined;
  private grouping: GroupingStrategy | undefined;
  private overrides = false;
  private retryPolicy: RetryPolicy | undefined;
  private cacheOptions: CacheOptions | undefined;

  /**
   * Add pipeline modules by location (path, URL or package specifier); the type
   * argument, if given, types `execute()`: `withModules<typeof import("./p.js")>(url)`.
   */
  withModules<T extends ModuleNamespace = ModuleNamespace>(...modules: ModuleLocation[]): Builder<M | T, R>;
  /** Add pipeline modules: namespace objects (`import * as p`, which type `execute()`) or locations. */
  withModules<T extends readonly (ModuleNamespace | ModuleLocation)[]>(...modules: T): Builder<M | Exclude<T[number], ModuleLocation>, R>;
  withModules(...modules: Array<ModuleNamespace | ModuleLocation>): this {
    for (const m of modules) {
      if (m === null || m === undefined || (typeof m !== "object" && typeof m !== "string")) {
        throw new GraphError(`withModules() takes module namespaces, paths or URLs; got ${m === null ? "null" : typeof m}.`);
      }
      this.moduleEntries.push(m);
    }
    return this;
  }

  /** Merge config: selects `configWhen` variants, and its values are inputs too. */
  withConfig(config: Readonly<Record<string, unknown>>): this {
    this.config = { ...this.config, ...config };
    return this;
  }

  /** Let later modules redefine nodes of earlier ones instead of failing. */
  allowModuleOverrides(): this {
    this.overrides = true;
    return this;
  }

  /** Run with tasks and executors, which `parallelizable`/`collect` need. */
  enableDynamicExecution(_options: DynamicExecutionOptions = {}): this {
    this.dynamic = true;
    return this;
  }

  /** The executor for tasks outside parallel blocks (default: `SynchronousLocalTaskExecutor`). */
  withLocalExecutor(executor: TaskExecutor): this {
    this.localExecutor = executor;
    return this;
  }

  /** The executor for tasks inside parallel blocks (default: `ConcurrentLocalTaskExecutor({ maxTasks: 10 })`). */
  withRemoteExecutor(executor: TaskExecutor): this {
    this.remoteExecutor = executor;
    return this;
  }

  /** Replace how tasks are assigned to executors. */
  withExecutionManager(manager: ExecutionManager): this {
    this.executionManager = manager;
    return this;
  }

  /** How nodes are grouped into tasks (default: `GroupByRepeatableBlocks`). */
  withGroupingStrategy(strategy: GroupingStrategy): this {
    this.grouping = strategy;
    return this;
  }

  /**
   * The retry policy of every node that has none of its own (`node(fn, { retry })`
   * wins). A retried node runs again on the same executor after its backoff;
   * in a task of several nodes, the whole task runs again.
   *
   * @example
   * new Builder().withModules(pipeline).withRetryPolicy({ maxAttempts: 3, initialIntervalMs: 200 })
   */
  withRetryPolicy(policy: RetryPolicy): this {
    resolveRetryPolicy(policy, "withRetryPolicy()");
    this.retryPolicy = policy;
    return this;
  }

  /**
   * Cache node results: a node whose code and inputs did not change since a
   * run stored it is not run again (its value comes from the store), and a
   * parallel block re-runs only the branches that failed or changed. Without
   * a store, results live in this process's memory. Read what the cache did
   * with `dr.cache.logs()`.
   *
   * @example
   * const dr = await new Builder().withModules(pipeline)
   *   .withCache({ store: new FileCacheStore(".hamilton-cache"), recompute: ["raw_data"] })
   *   .build();
   */
  withCache(options: CacheOptions = {}): this {
    if (options === null || typeof options !== "object") throw new GraphError(`withCache() takes an options object, got ${options === null ? "null" : typeof options}.`);
    this.cacheOptions = options;
    return this;
  }

  /** Result builders, graph adapters and lifecycle adapters, called in the order given (the last result builder builds the result). */
  withAdapters<const A extends readonly object[]>(...adapters: A): Builder<M, LastResultAdapter<A, R>>;
  withAdapters(...adapters: object[]): this {
    this.adapters.push(...adapters);
    return this;
  }

  /** A single graph adapter (e.g. `SimpleGraphAdapter` or `SimpleDataFrameGraphAdapter`). */
  withAdapter<A extends object>(adapter: A): Builder<M, LastResultAdapter<[A], R>>;
  withAdapter(adapter: object): Builder<M, unknown> {
    return this.withAdapters(adapter);
  }

  /** Import module locations, build and check the graph, and return the Driver. */
  async build(): Promise<Driver<M, R>> {
    if ((this.localExecutor || this.remoteExecutor || this.executionManager || this.grouping) && !this.dynamic) {
      throw new GraphError(
        "Executors, execution managers and grouping strategies need dynamic execution: call enableDynamicExecution({ allowExperimentalMode: true }) on the Builder.",
      );
    }
    if (this.moduleEntries.length === 0) throw new GraphError("No modules: call withModules(...) with at least one pipeline module.");
    // the dynamic executor's code is loaded only when asked for, so a classic driver (and a browser bundle) carries none of it;
    // it checks the executors before any module is imported (a plugin made for another contract version is refused first)
    const wiring = this.dynamic ? await import("./run-dynamic.js") : undefined;
    const dynamic = wiring && {
      ...wiring.dynamicSetup({ executionManager: this.executionManager, localExecutor: this.localExecutor, remoteExecutor: this.remoteExecutor, grouping: this.grouping }),
      wiring,
    };
    const modules: ModuleSource[] = [];
    let nsIndex = 0;
    const locations = this.moduleEntries.filter((m): m is ModuleLocation => typeof m === "string" || m instanceof URL);
    // importing by location is Node's and bundlers' business: a page built from namespaces loads none of that code
    const loaded = locations.length > 0 ? await (await import("../remote/module-location.js")).loadModules(locations) : [];
    let li = 0;
    for (const m of this.moduleEntries) {
      if (typeof m === "string" || m instanceof URL) modules.push(loaded[li++]!);
      else modules.push(namespaceSources([m], nsIndex++)[0]!);
    }
    if (dynamic) await wiring.checkModuleLocations(dynamic.executionManager, modules);
    // the engine is loaded only when asked for, so a driver without a cache (and a browser bundle) carries none of it
    const cache = this.cacheOptions && { options: this.cacheOptions, wiring: await import("../cache/cache-wiring.js") };
    return Driver.fromSetup({
      cache,
      config: this.config,
      modules,
      adapters: this.adapters,
      allowModuleOverrides: this.overrides,
      retryPolicy: this.retryPolicy,
      dynamic,
    });
  }
}

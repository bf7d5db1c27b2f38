import type { CacheEngine } from "../cache/cache-engine.js";
import type * as CacheWiring from "../cache/cache-wiring.js";
import type { CacheOptions, DriverCache } from "../cache/cache-options.js";
import type { RunCache } from "../cache/run-cache.js";
import { checkSpecificationVersion } from "../contracts/specification.js";
import { InputValidationError, abortErrorFrom, type ValidationResult } from "../errors.js";
import type { ExecutionManager } from "../executors/execution-manager.js";
import type { ExecutorContext, TaskExecutor } from "../executors/task-executor.js";
import { withExecutors } from "../executors/with-executors.js";
import { CLASSIC_TASK_ID, executeClassic } from "../execution/classic.js";
import { hasOwn } from "../execution/own-record.js";
import { needsDynamicError, planExecution, validateBlocks, type ExecutionPlan } from "../execution/plan.js";
import { retryPoliciesOf, type ResolvedRetryPolicy, type RetryPolicy } from "../execution/retryer.js";
import type { Frame } from "../graph/frames.js";
import { FunctionGraph, type GraphNode } from "../graph/function-graph.js";
import { toDot } from "../graph/visualize.js";
import type { GroupingStrategy } from "../grouping/grouping-strategy.js";
import type { TemplateSet } from "../grouping/task-templates.js";
import type * as DynamicWiring from "../execution/dynamic-wiring.js";
import type { LifecycleAdapter } from "../lifecycle/lifecycle-adapter.js";
import { LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import { nodesFromModules, type ModuleSource } from "../node/from-modules.js";
import { executesNodesPlainly, isGraphAdapter, type HamiltonGraphAdapter } from "../results/graph-adapter.js";
import { DictResult, isResultBuilder, type ResultBuilder } from "../results/result-mixin.js";
import { namespaceSources, type ModuleNamespace } from "../remote/module-location.js";
import type { DefaultResult, ExecuteResult, OutputsOf } from "./typed-results.js";

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

/** One entry of `listAvailableVariables()`. */
export interface Variable {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly isInput: boolean;
  /** For inputs: every consumer has a default. */
  readonly isOptional: boolean;
  readonly isParallelizable: boolean;
  readonly isCollect: boolean;
  readonly dependencies: readonly string[];
  /** The module that defines the node (undefined for inputs). */
  readonly module: string | undefined;
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
    /** The dynamic executor's code (loaded by `build()` only then). */
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

const SETUP = Symbol("hamilton-ts.driver-setup");

/**
 * The codec registry, imported on the first dynamic run: the cache engine
 * (itself loaded on demand) needs all of it, and a module two chunks share is
 * split out whole, so a static import here would put it all in the main
 * entry's browser bundle.
 */
let codecRegistry: typeof import("../codec/codec-registry.js") | undefined;

/** `dr.cache` of a driver built without `withCache()`: nothing was cached. */
const NO_CACHE: DriverCache = { logs: () => [], lastRunId: undefined, runIds: [] };

function newRunId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Runs a graph of functions. Build one with `new Builder()...build()` or, for the
 * classic synchronous form, `new Driver(config, modules, { adapter })`.
 *
 * Typed by its modules (`M`, the namespace types) and the adapter that builds
 * its result (`R`): with `DictResult`, `execute(["total"])` resolves to
 * `{ total: <total's awaited return type> }` (see `typed-results.ts`).
 *
 * @example
 * const dr = new Driver({}, pipeline);
 * const { total } = await dr.execute(["total"], { inputs: { n: 10 } });
 */
export class Driver<M extends ModuleNamespace = ModuleNamespace, R = DefaultResult> {
  readonly config: Readonly<Record<string, unknown>>;
  readonly graph: FunctionGraph;
  private readonly setup: DriverSetup;
  private readonly hooks: LifecycleHooks;
  private readonly graphAdapter: HamiltonGraphAdapter | undefined;
  /** The graph adapter that runs nodes, unless its `executeNode` is the plain one (then nodes are called directly). */
  private readonly nodeAdapter: HamiltonGraphAdapter | undefined;
  /** Retry policies by node index; undefined when no node retries. */
  private readonly retryPolicies: ReadonlyArray<ResolvedRetryPolicy | undefined> | undefined;
  private readonly validations = new Map<string, ValidationResult[]>();
  private lastRunId: string | undefined;
  private readonly resultBuilder: ResultBuilder | ((outputs: Record<string, unknown>) => unknown);
  private readonly planCache = new Map<string, ExecutionPlan>();
  private readonly templateCache = new WeakMap<ExecutionPlan, TemplateSet>();
  private readonly staticFrames: ReadonlyMap<string, Frame>;
  private readonly cacheEngine: CacheEngine | undefined;

  constructor(config: Readonly<Record<string, unknown>>, modules: M | readonly M[], options?: DriverOptions<R>);
  /** @internal */
  constructor(setup: typeof SETUP, value: DriverSetup);
  constructor(a: unknown, b: unknown, c?: DriverOptions) {
    let setup: DriverSetup;
    if (a === SETUP) setup = b as DriverSetup;
    else {
      const list = Array.isArray(b) ? (b as ModuleNamespace[]) : [b as ModuleNamespace];
      const adapters = [...(c?.adapter ? [c.adapter] : []), ...(c?.adapters ?? [])];
      setup = { config: (a as Record<string, unknown>) ?? {}, modules: namespaceSources(list), adapters, allowModuleOverrides: false };
    }
    this.setup = setup;
    this.config = setup.config;
    this.graph = new FunctionGraph(nodesFromModules(setup.modules, setup.config, { allowModuleOverrides: setup.allowModuleOverrides }));
    this.staticFrames = validateBlocks(this.graph);
    this.retryPolicies = retryPoliciesOf(this.graph, setup.retryPolicy);
    for (const a of setup.adapters) {
      if (isGraphAdapter(a)) checkSpecificationVersion("HamiltonGraphAdapter", a);
      else if (isResultBuilder(a)) checkSpecificationVersion("ResultMixin", a);
    }
    this.hooks = new LifecycleHooks(setup.adapters);
    this.graphAdapter = setup.adapters.find(isGraphAdapter);
    this.nodeAdapter = this.graphAdapter && !executesNodesPlainly(this.graphAdapter) ? this.graphAdapter : undefined;
    let builder: Driver["resultBuilder"] = new DictResult();
    for (const a of setup.adapters) {
      const la = a as LifecycleAdapter;
      if (typeof la.doBuildResult === "function") builder = (outputs) => la.doBuildResult!({ outputs });
      else if (isResultBuilder(a)) builder = a;
    }
    this.resultBuilder = builder;
    this.cacheEngine = setup.cache && new setup.cache.wiring.CacheEngine(this.graph, setup.cache.options);
  }

  /**
   * What the cache did (`Builder.withCache`): `logs({ runId })` lists every
   * decision and outcome per node and branch, with its reason. Without a
   * cache, every list is empty.
   *
   * @example
   * await dr.execute(["model"]);
   * dr.cache.logs({ runId: dr.cache.lastRunId }).filter((e) => e.type === "miss"); // [{ nodeName, taskId, type, reason }]
   */
  get cache(): DriverCache {
    return this.cacheEngine ?? NO_CACHE;
  }

  /** @internal used by Builder */
  static fromSetup<M extends ModuleNamespace = ModuleNamespace, R = DefaultResult>(setup: DriverSetup): Driver<M, R> {
    return new Driver(SETUP, setup);
  }

  /** The modules the graph was built from. */
  get modules(): readonly ModuleSource[] {
    return this.setup.modules;
  }

  private executors(): readonly TaskExecutor[] {
    return this.setup.dynamic?.executionManager.executors() ?? [];
  }

  private plan(finalVars: readonly string[], options: ExecuteOptions): ExecutionPlan {
    if (!Array.isArray(finalVars)) throw new InputValidationError(`execute() takes an array of output names, got ${typeof finalVars}.`);
    for (let i = 0; i < finalVars.length; i++) {
      const f: unknown = finalVars[i];
      if (typeof f !== "string") throw new InputValidationError(`execute() takes an array of output names (strings); item ${i} is ${f === null ? "null" : typeof f}.`);
    }
    const inputs = options.inputs ?? {};
    const overrides = options.overrides ?? {};
    const inputKeys = Object.keys(inputs);
    const overrideKeys = Object.keys(overrides);
    const relevantInputs = inputKeys.filter((k) => this.graph.get(k) || finalVars.includes(k)).sort();
    // JSON keeps any name apart from any other (a separator character could appear in a name)
    const key = JSON.stringify([finalVars, relevantInputs, overrideKeys.sort()]);
    let plan = this.planCache.get(key);
    if (!plan) {
      plan = planExecution(this.graph, {
        finalVars,
        inputKeys: new Set(inputKeys),
        configKeys: new Set(Object.keys(this.config)),
        overrideKeys: new Set(overrideKeys),
      });
      if (this.planCache.size > 256) this.planCache.clear();
      this.planCache.set(key, plan);
    }
    return plan;
  }

  private templates(plan: ExecutionPlan): TemplateSet {
    let t = this.templateCache.get(plan);
    if (!t) {
      const dynamic = this.setup.dynamic!;
      t = dynamic.wiring.buildTemplates(plan, dynamic.grouping);
      this.templateCache.set(plan, t);
    }
    return t;
  }

  private fixedValues(plan: ExecutionPlan, options: ExecuteOptions): Map<string, unknown> {
    const inputs = options.inputs ?? {};
    const overrides = options.overrides ?? {};
    const values = new Map<string, unknown>();
    // own properties only: an input called `constructor` is what the caller passed, or missing
    for (const name of plan.fixed) {
      if (hasOwn(overrides, name)) values.set(name, overrides[name]);
      else if (hasOwn(inputs, name)) values.set(name, inputs[name]);
      else if (hasOwn(this.config, name)) values.set(name, this.config[name]);
    }
    for (const f of plan.finalVars) {
      if (!values.has(f) && !this.graph.get(f)) values.set(f, hasOwn(inputs, f) ? inputs[f] : undefined);
    }
    if (this.graphAdapter) {
      const bad: string[] = [];
      for (const [name, value] of values) {
        if (this.graph.get(name)?.isInput && !this.graphAdapter.checkInputType(name, value)) bad.push(name);
      }
      if (bad.length > 0) {
        throw new InputValidationError(`The adapter rejected the type of input${bad.length > 1 ? "s" : ""} ${bad.map((b) => `"${b}"`).join(", ")}.`);
      }
    }
    return values;
  }

  /**
   * Check that outputs exist and inputs are present, without running anything.
   * Every problem is reported at once.
   */
  validateExecution(finalVars: readonly string[], options: ExecuteOptions = {}): void {
    const plan = this.plan(finalVars, options);
    if (plan.hasParallelism && !this.setup.dynamic) throw needsDynamicError(plan);
    if (this.setup.dynamic) this.templates(plan);
    this.fixedValues(plan, options);
  }

  /** Run and return the outputs as a plain object, whatever the result builder. */
  rawExecute<const K extends string>(finalVars: readonly K[], options?: ExecuteOptions): Promise<OutputsOf<M, K>>;
  async rawExecute(finalVars: readonly string[], options: ExecuteOptions = {}): Promise<Record<string, unknown>> {
    return (await this.run(finalVars, options, false)) as Record<string, unknown>;
  }

  /**
   * Run and return the result builder's result: with `DictResult` (the
   * default), a plain object typed by the nodes, e.g. `{ total: number }`;
   * names that are no node of the modules (inputs) are `unknown`.
   */
  execute<const K extends string>(finalVars: readonly K[], options?: ExecuteOptions): Promise<ExecuteResult<M, R, K>>;
  async execute(finalVars: readonly string[], options: ExecuteOptions = {}): Promise<unknown> {
    return this.run(finalVars, options, true);
  }

  private async run(finalVars: readonly string[], options: ExecuteOptions, build: boolean): Promise<unknown> {
    const plan = this.plan(finalVars, options);
    const dynamic = this.setup.dynamic;
    if (plan.hasParallelism && !dynamic) throw needsDynamicError(plan);
    const templates = dynamic ? this.templates(plan) : undefined;
    const fixed = this.fixedValues(plan, options);
    if (options.signal?.aborted) throw abortErrorFrom(options.signal);
    const runId = newRunId();
    this.lastRunId = runId;
    const onValidation = (results: readonly ValidationResult[]) => this.recordValidation(runId, results);
    const graphArgs = { runId, finalVars: plan.finalVars, inputs: options.inputs ?? {}, overrides: options.overrides ?? {} };
    for (const h of this.hooks.preGraph) await h(graphArgs);
    const cache = this.beginCache(runId, options.signal);
    let outputs: Record<string, unknown>;
    try {
      if (dynamic && templates) {
        const { listCodecs } = (codecRegistry ??= await import("../codec/codec-registry.js"));
        const context: ExecutorContext = {
          runId,
          modules: this.setup.modules,
          config: this.config,
          allowModuleOverrides: this.setup.allowModuleOverrides,
          graphFingerprint: this.graph.fingerprint(),
          wantsNodeEvents: this.hooks.preNode.length > 0 || this.hooks.postNode.length > 0,
          codecModules: [...new Set(listCodecs().flatMap((c) => (c.module ? [c.module] : [])))],
        };
        for (const h of this.hooks.postTaskGrouping) await h({ runId, tasks: templates.info });
        outputs = await withExecutors(dynamic.executionManager.executors(), context, () =>
          new dynamic.wiring.DynamicRun({
            runId,
            context,
            plan,
            templates,
            fixedValues: fixed,
            manager: dynamic.executionManager,
            hooks: this.hooks,
            adapter: this.nodeAdapter,
            signal: options.signal,
            retryPolicyOf: this.retryPolicies && ((n: GraphNode) => this.retryPolicies![n.index]),
            onValidation,
            cache: cache && ((host) => new this.setup.cache!.wiring.CachedTasks(cache, host)),
          }).promise,
        );
      } else {
        outputs = await executeClassic(
          plan,
          fixed,
          { runId, taskId: CLASSIC_TASK_ID, hooks: this.hooks, adapter: this.nodeAdapter, onValidation: (_n, r) => onValidation(r), signal: options.signal },
          { signal: options.signal, retryPolicyOf: this.retryPolicies && ((n: GraphNode) => this.retryPolicies![n.index]), cache },
        );
      }
      // every store written before the run returns: the next run (or process) finds them
      await cache?.finish();
    } catch (error) {
      await cache?.finish().catch(() => undefined);
      for (const h of this.hooks.postGraph) await h({ ...graphArgs, success: false, error });
      throw error;
    }
    for (const h of this.hooks.postGraph) await h({ ...graphArgs, success: true, result: outputs });
    if (!build) return outputs;
    const b = this.resultBuilder;
    return typeof b === "function" ? b(outputs) : b.buildResult(outputs);
  }

  private beginCache(runId: string, signal: AbortSignal | undefined): RunCache | undefined {
    const engine = this.cacheEngine;
    if (!engine) return undefined;
    const hooks = this.hooks.cacheEvent;
    return engine.beginRun(runId, { signal, onEvent: hooks.length > 0 ? (e) => { for (const h of hooks) h(e); } : undefined });
  }

  /**
   * The output-check results (`checkOutput`) of a run: of the last run started
   * when no `runId` is given. Kept for the last 64 runs.
   *
   * @example
   * await dr.execute(["spend"]);
   * const failed = dr.validationResults().filter((r) => !r.passed);
   */
  validationResults(runId: string | undefined = this.lastRunId): readonly ValidationResult[] {
    return (runId !== undefined && this.validations.get(runId)) || [];
  }

  private recordValidation(runId: string, results: readonly ValidationResult[]): void {
    let list = this.validations.get(runId);
    if (!list) {
      if (this.validations.size >= 64) this.validations.delete(this.validations.keys().next().value!);
      this.validations.set(runId, (list = []));
    }
    list.push(...results);
  }

  /** Finalize and close every executor (worker pools): call when done with the driver. */
  async close(): Promise<void> {
    await Promise.all(this.executors().map(async (e) => {
      await e.finalize();
      await e.close?.();
    }));
  }

  async [Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose")](): Promise<void> {
    await this.close();
  }

  private variable(n: GraphNode): Variable {
    return {
      name: n.name,
      tags: n.tags,
      isInput: n.isInput,
      isOptional: n.isOptionalInput,
      isParallelizable: n.isExpander,
      isCollect: n.isCollect,
      dependencies: n.deps,
      module: n.module,
    };
  }

  private known(names: readonly string[]): void {
    const unknown = names.filter((n) => !this.graph.get(n));
    if (unknown.length > 0) throw new InputValidationError(`Unknown node${unknown.length > 1 ? "s" : ""}: ${unknown.map((u) => `"${u}"`).join(", ")}.`, { unknownOutputs: unknown });
  }

  /** Every node and input of the graph. */
  listAvailableVariables(): Variable[] {
    return this.graph.order.map((n) => this.variable(n));
  }

  /** The named nodes and everything upstream of them. */
  whatIsUpstreamOf(...names: string[]): Variable[] {
    this.known(names);
    const set = this.graph.upstreamOf(names);
    return this.graph.order.filter((n) => set.has(n.name)).map((n) => this.variable(n));
  }

  /** The named nodes and everything downstream of them. */
  whatIsDownstreamOf(...names: string[]): Variable[] {
    this.known(names);
    const set = this.graph.downstreamOf(names);
    return this.graph.order.filter((n) => set.has(n.name)).map((n) => this.variable(n));
  }

  /** Every node on a path from `from` to `to` (both included); empty when there is none. */
  whatIsThePathBetween(from: string, to: string): Variable[] {
    this.known([from, to]);
    const down = this.graph.downstreamOf([from]);
    if (!down.has(to)) return [];
    const up = this.graph.upstreamOf([to]);
    return this.graph.order.filter((n) => down.has(n.name) && up.has(n.name)).map((n) => this.variable(n));
  }

  /** The whole graph as Graphviz DOT text: inputs dashed, parallel blocks as clusters. */
  displayAllFunctions(): string {
    return toDot(this.graph, { frames: this.staticFrames });
  }

  /**
   * The nodes this execution would run, as Graphviz DOT text: inputs dashed,
   * overrides yellow, requested outputs green, parallel blocks as clusters;
   * with `cacheRunId`, the nodes the cache answered in that run blue.
   *
   * @example
   * await dr.execute(["model"]);
   * const dot = dr.visualizeExecution(["model"], { cacheRunId: dr.cache.lastRunId });
   */
  visualizeExecution(finalVars: readonly string[], options: VisualizeOptions = {}): string {
    const plan = this.plan(finalVars, options);
    const nodes = new Set<string>([...plan.toCompute.map((n) => n.name), ...plan.fixed]);
    return toDot(this.graph, {
      nodes,
      finalVars: new Set(plan.finalVars),
      overrides: new Set(Object.keys(options.overrides ?? {})),
      providedInputs: new Set([...Object.keys(options.inputs ?? {}), ...Object.keys(this.config)]),
      frames: plan.frames,
      title: "execution",
      cacheHits: options.cacheRunId === undefined ? undefined : this.cacheHits(options.cacheRunId),
    });
  }

  private cacheHits(runId: string): Map<string, { hits: number; of: number }> {
    const out = new Map<string, { hits: number; of: number }>();
    for (const e of this.cache.logs({ runId })) {
      // one decision per node run: a hit, or what made it run
      if (e.type === "stored" || e.type === "store-error") continue;
      let c = out.get(e.nodeName);
      if (!c) out.set(e.nodeName, (c = { hits: 0, of: 0 }));
      c.of++;
      if (e.type === "hit") c.hits++;
    }
    return out;
  }
}

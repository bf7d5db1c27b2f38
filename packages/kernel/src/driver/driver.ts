// The Driver: plans a request, runs it (classically here; dynamically through
// run-dynamic.ts, loaded by build() only for enableDynamicExecution()), and
// answers questions about its graph. Its options live in driver-options.ts, the
// graph queries in graph-queries.ts, the output-check log in validation-log.ts.
import type { CacheEngine } from "../cache/cache-engine.js";
import type { DriverCache } from "../cache/cache-options.js";
import type { RunCache } from "../cache/run-cache.js";
import { checkSpecificationVersion } from "../contracts/specification.js";
import { InputValidationError, abortErrorFrom, type ValidationResult } from "../errors.js";
import type { TaskExecutor } from "../executors/task-executor.js";
import { CLASSIC_TASK_ID, executeClassic } from "../execution/classic.js";
import { hasOwn } from "../execution/own-record.js";
import { needsDynamicError, planExecution, validateBlocks, type ExecutionPlan } from "../execution/plan.js";
import { retryPoliciesOf, type ResolvedRetryPolicy } from "../execution/retryer.js";
import type { Frame } from "../graph/frames.js";
import { FunctionGraph, type GraphNode } from "../graph/function-graph.js";
import { toDot } from "../graph/visualize.js";
import type { TemplateSet } from "../grouping/task-templates.js";
import type { LifecycleAdapter } from "../lifecycle/lifecycle-adapter.js";
import { LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import { nodesFromModules, type ModuleSource } from "../node/from-modules.js";
import { executesNodesPlainly, isGraphAdapter, type HamiltonGraphAdapter } from "../results/graph-adapter.js";
import { DictResult, isResultBuilder, type ResultBuilder } from "../results/result-mixin.js";
import type { ModuleNamespace } from "../remote/module-location.js";
import type { DefaultResult, ExecuteResult, OutputsOf } from "./typed-results.js";
import type { DriverOptions, DriverSetup, ExecuteOptions, VisualizeOptions } from "./driver-options.js";
import { checkKnown, pathBetween, variablesOf, type Variable } from "./graph-queries.js";
import { namespaceSources } from "./module-sources.js";
import { ValidationLog } from "./validation-log.js";

export type { DriverOptions, DriverSetup, ExecuteOptions, VisualizeOptions } from "./driver-options.js";
export type { Variable } from "./graph-queries.js";

const SETUP = Symbol("hamilton-ts.driver-setup");

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
  /** A node's retry policy; undefined when no node retries. */
  private readonly retryPolicyOf: ((node: GraphNode) => ResolvedRetryPolicy | undefined) | undefined;
  private readonly validations = new ValidationLog();
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
    const policies = retryPoliciesOf(this.graph, setup.retryPolicy);
    this.retryPolicyOf = policies && ((n) => policies[n.index]);
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
    const onValidation = (results: readonly ValidationResult[]) => this.validations.record(runId, results);
    const graphArgs = { runId, finalVars: plan.finalVars, inputs: options.inputs ?? {}, overrides: options.overrides ?? {} };
    for (const h of this.hooks.preGraph) await h(graphArgs);
    const cache = this.beginCache(runId, options.signal);
    let outputs: Record<string, unknown>;
    try {
      if (dynamic && templates) {
        outputs = await dynamic.wiring.runDynamic({
          runId,
          graph: this.graph,
          setup: this.setup,
          plan,
          templates,
          fixedValues: fixed,
          hooks: this.hooks,
          adapter: this.nodeAdapter,
          signal: options.signal,
          retryPolicyOf: this.retryPolicyOf,
          onValidation,
          cache: cache && ((host) => new this.setup.cache!.wiring.CachedTasks(cache, host)),
        });
      } else {
        outputs = await executeClassic(
          plan,
          fixed,
          { runId, taskId: CLASSIC_TASK_ID, hooks: this.hooks, adapter: this.nodeAdapter, onValidation: (_n, r) => onValidation(r), signal: options.signal },
          { signal: options.signal, retryPolicyOf: this.retryPolicyOf, cache },
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
    return this.validations.of(runId);
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

  /** Every node and input of the graph. */
  listAvailableVariables(): Variable[] {
    return variablesOf(this.graph);
  }

  /** The named nodes and everything upstream of them. */
  whatIsUpstreamOf(...names: string[]): Variable[] {
    checkKnown(this.graph, names);
    const set = this.graph.upstreamOf(names);
    return variablesOf(this.graph, (n) => set.has(n));
  }

  /** The named nodes and everything downstream of them. */
  whatIsDownstreamOf(...names: string[]): Variable[] {
    checkKnown(this.graph, names);
    const set = this.graph.downstreamOf(names);
    return variablesOf(this.graph, (n) => set.has(n));
  }

  /** Every node on a path from `from` to `to` (both included); empty when there is none. */
  whatIsThePathBetween(from: string, to: string): Variable[] {
    return pathBetween(this.graph, from, to);
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
      cacheHits: options.cacheRunId === undefined ? undefined : (this.cacheEngine?.hitCounts(options.cacheRunId) ?? new Map()),
    });
  }

}

// What `enableDynamicExecution()` loads on demand (a dynamic import in
// `Builder.build()`): the driver's side of a dynamic run — the executors'
// defaults and contract checks, their context, init/finalize around the run —
// on top of the execution layer's on-demand entry (execution/dynamic-wiring.ts).
// A classic driver, and the main entry's browser bundle, carry none of it.
import { listCodecs } from "../codec/codec-registry.js";
import { checkSpecificationVersion } from "../contracts/specification.js";
import { GraphError, type ValidationResult } from "../errors.js";
import { DynamicRun } from "../execution/dynamic-wiring.js";
import type { ExecutionPlan } from "../execution/plan.js";
import type { ResolvedRetryPolicy } from "../execution/retryer.js";
import { DefaultExecutionManager, type ExecutionManager } from "../executors/execution-manager.js";
import { ConcurrentLocalTaskExecutor, SynchronousLocalTaskExecutor } from "../executors/local-executors.js";
import type { ExecutorContext, TaskExecutor } from "../executors/task-executor.js";
import { withExecutors } from "../executors/with-executors.js";
import type { FunctionGraph, GraphNode } from "../graph/function-graph.js";
import { GroupByRepeatableBlocks, type GroupingStrategy } from "../grouping/grouping-strategy.js";
import type { TemplateSet } from "../grouping/task-templates.js";
import type { LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import type { ModuleSource } from "../node/from-modules.js";
import type { HamiltonGraphAdapter } from "../results/graph-adapter.js";
import type { DriverSetup } from "./driver-options.js";
import type { CachedRunHost, CachedTasks } from "../execution/cached-tasks.js";

export { buildTemplates } from "../execution/dynamic-wiring.js";

/** What the Builder was given for dynamic execution. */
export interface DynamicChoices {
  readonly executionManager: ExecutionManager | undefined;
  readonly localExecutor: TaskExecutor | undefined;
  readonly remoteExecutor: TaskExecutor | undefined;
  readonly grouping: GroupingStrategy | undefined;
}

/**
 * The execution manager and grouping of a dynamic driver, with the Builder's
 * defaults filled in (local: `SynchronousLocalTaskExecutor`; remote:
 * `ConcurrentLocalTaskExecutor({ maxTasks: 10 })`; `GroupByRepeatableBlocks`),
 * every executor's and the grouping's contract version checked.
 */
export function dynamicSetup(c: DynamicChoices): { executionManager: ExecutionManager; grouping: GroupingStrategy } {
  if (c.executionManager && (c.localExecutor || c.remoteExecutor)) {
    throw new GraphError("Give either an execution manager or local/remote executors, not both.");
  }
  const executionManager =
    c.executionManager ??
    new DefaultExecutionManager({
      localExecutor: c.localExecutor ?? new SynchronousLocalTaskExecutor(),
      remoteExecutor: c.remoteExecutor ?? new ConcurrentLocalTaskExecutor({ maxTasks: 10 }),
    });
  for (const e of executionManager.executors()) checkSpecificationVersion("TaskExecutor", e, { required: true });
  if (c.grouping) checkSpecificationVersion("GroupingStrategy", c.grouping);
  return { executionManager, grouping: c.grouping ?? new GroupByRepeatableBlocks() };
}

/** An executor that runs tasks elsewhere imports modules by location: a namespace object is refused at `build()`, saying how to pass one. */
export async function checkModuleLocations(manager: ExecutionManager, modules: readonly ModuleSource[]): Promise<void> {
  if (!manager.executors().some((e) => e.requiresModuleLocations)) return;
  const namespace = modules.find((m) => m.location === undefined);
  if (namespace) throw (await import("../remote/module-location.js")).locationRequiredError(namespace);
}

/** What the driver hands over for one dynamic run. */
export interface DynamicRunRequest {
  readonly runId: string;
  readonly graph: FunctionGraph;
  /** The driver's setup: its modules, config and execution manager. */
  readonly setup: DriverSetup;
  readonly plan: ExecutionPlan;
  readonly templates: TemplateSet;
  readonly fixedValues: ReadonlyMap<string, unknown>;
  readonly hooks: LifecycleHooks;
  readonly adapter: HamiltonGraphAdapter | undefined;
  readonly signal: AbortSignal | undefined;
  readonly retryPolicyOf: ((node: GraphNode) => ResolvedRetryPolicy | undefined) | undefined;
  readonly onValidation: (results: readonly ValidationResult[]) => void;
  /** The run's cache layer over its tasks, when the driver has a cache. */
  readonly cache: ((host: CachedRunHost) => CachedTasks) | undefined;
}

/**
 * Run a plan with tasks and executors: every executor is initialised with the
 * run's context (and finalised after, whatever happens), the task-grouping
 * hooks fire, then the run's tasks are dispatched until it settles.
 */
export async function runDynamic(r: DynamicRunRequest): Promise<Record<string, unknown>> {
  const context: ExecutorContext = {
    runId: r.runId,
    modules: r.setup.modules,
    config: r.setup.config,
    allowModuleOverrides: r.setup.allowModuleOverrides,
    graphFingerprint: r.graph.fingerprint(),
    wantsNodeEvents: r.hooks.preNode.length > 0 || r.hooks.postNode.length > 0,
    codecModules: [...new Set(listCodecs().flatMap((c) => (c.module ? [c.module] : [])))],
  };
  for (const h of r.hooks.postTaskGrouping) await h({ runId: r.runId, tasks: r.templates.info });
  const manager = r.setup.dynamic!.executionManager;
  return withExecutors(manager.executors(), context, () =>
    new DynamicRun({
      runId: r.runId,
      context,
      plan: r.plan,
      templates: r.templates,
      fixedValues: r.fixedValues,
      manager,
      hooks: r.hooks,
      adapter: r.adapter,
      signal: r.signal,
      retryPolicyOf: r.retryPolicyOf,
      onValidation: r.onValidation,
      cache: r.cache,
    }).promise,
  );
}

// The classic executor: every node once, in topological order, in this thread.
// Hooks see it as one task, `classic`, of purpose `plain`.
import type { CacheTaskPlan, RunCache } from "../cache/run-cache.js";
import { abortErrorFrom } from "../errors.js";
import type { GraphNode } from "../graph/function-graph.js";
import type { PreTaskExecuteArgs } from "../lifecycle/lifecycle-adapter.js";
import { invokeNode, isThenable, type InvokeContext } from "./invoke.js";
import { raceAbort } from "../executors/race-abort.js";
import { setOwn } from "./own-record.js";
import type { ExecutionPlan } from "./plan.js";
import type { ResolvedRetryPolicy } from "./retryer.js";

/** How a classic run goes beyond its plan and values. */
export interface ClassicOptions {
  readonly signal?: AbortSignal;
  /** The retry policy of a node; leave undefined when no node retries (the loop then skips the lookup). */
  readonly retryPolicyOf?: (node: GraphNode) => ResolvedRetryPolicy | undefined;
  /** The run's cache (`Builder.withCache`): each node is looked up before it runs, and stored after. */
  readonly cache?: RunCache;
}

/** The task id node hooks see in a classic run. */
export const CLASSIC_TASK_ID = "classic";

const nodeNames = new WeakMap<ExecutionPlan, readonly string[]>();

/**
 * Run a plan classically. Iterative (no recursion limit), awaits only nodes
 * that return promises, drops each value as soon as its last consumer has
 * run, and retries a failed node in place after its backoff.
 */
export async function executeClassic(
  plan: ExecutionPlan,
  fixedValues: ReadonlyMap<string, unknown>,
  ctx: InvokeContext,
  options: ClassicOptions = {},
): Promise<Record<string, unknown>> {
  const hooks = ctx.hooks;
  let task: PreTaskExecuteArgs | undefined;
  if (hooks.postTaskGrouping.length > 0 || hooks.preTask.length > 0 || hooks.postTask.length > 0) {
    let nodes = nodeNames.get(plan);
    if (!nodes) nodeNames.set(plan, (nodes = plan.toCompute.map((n) => n.name)));
    task = { runId: ctx.runId, taskId: ctx.taskId, nodes, path: [], block: undefined, purpose: "plain", attempt: 1 };
    const tasks = [{ name: ctx.taskId, nodes, frame: [], block: undefined, purpose: "plain" as const }];
    for (const h of hooks.postTaskGrouping) await h({ runId: ctx.runId, tasks });
    for (const h of hooks.preTask) await h(task);
  }
  let outputs: Record<string, unknown>;
  try {
    outputs = await runPlan(plan, fixedValues, ctx, options);
  } catch (error) {
    if (task) for (const h of hooks.postTask) await Promise.resolve(h({ ...task, success: false, error })).catch(() => undefined);
    throw error;
  }
  if (task) for (const h of hooks.postTask) await h({ ...task, success: true, result: outputs });
  return outputs;
}

async function runPlan(
  plan: ExecutionPlan,
  fixedValues: ReadonlyMap<string, unknown>,
  ctx: InvokeContext,
  { signal, retryPolicyOf, cache }: ClassicOptions,
): Promise<Record<string, unknown>> {
  const graph = plan.graph;
  const values: unknown[] = new Array(graph.order.length);
  const counts = countsOf(plan);
  const remaining = counts.remaining.slice();
  const isFinal = counts.isFinal;
  for (const [name, value] of fixedValues) {
    const n = graph.get(name);
    if (n) values[n.index] = value;
  }
  for (const node of plan.toCompute) {
    const deps = node.depIndex;
    const args = new Array<unknown>(deps.length);
    for (let i = 0; i < deps.length; i++) {
      const d = deps[i]!;
      args[i] = values[d];
      if (--remaining[d] === 0 && !isFinal[d]) values[d] = undefined;
    }
    let plan: CacheTaskPlan | undefined;
    if (cache) {
      // each node is a task of its own for the cache: keyed by the values it receives
      const inputs = Object.create(null) as Record<string, unknown>;
      for (let i = 0; i < deps.length; i++) inputs[node.deps[i]!] = args[i];
      let p = cache.planTask({ taskId: ctx.taskId, nodes: [node], inputs });
      if (isThenable(p)) p = await p;
      if (p.run.length === 0) {
        values[node.index] = p.hits.get(node.name);
        continue;
      }
      plan = p;
    }
    const policy = retryPolicyOf?.(node);
    let out: unknown;
    try {
      if (policy === undefined) {
        out = invokeNode(node, args, ctx);
        if (isThenable(out)) out = await (signal ? raceAbort(out, signal) : out);
      } else {
        // loaded on demand: most graphs never retry, and a browser page need not load it up front
        out = await (await import("./retrying.js")).invokeWithRetries(node, args, ctx, policy, signal);
      }
    } catch (error) {
      if (plan) cache!.taskFailed(plan);
      throw error;
    }
    if (plan) {
      const recorded = Object.create(null) as Record<string, unknown>;
      recorded[node.name] = out;
      cache!.recordTask(plan, recorded);
    }
    values[node.index] = out;
    if (signal?.aborted) throw abortErrorFrom(signal);
  }
  const outputs: Record<string, unknown> = {};
  for (const f of plan.finalVars) {
    const n = graph.get(f);
    setOwn(outputs, f, n ? values[n.index] : fixedValues.get(f));
  }
  return outputs;
}

const planCounts = new WeakMap<ExecutionPlan, { remaining: Int32Array; isFinal: Uint8Array }>();

/** Per node index: how many computed nodes consume it, and whether it is an output (computed once per plan). */
function countsOf(plan: ExecutionPlan): { remaining: Int32Array; isFinal: Uint8Array } {
  let c = planCounts.get(plan);
  if (c) return c;
  const graph = plan.graph;
  const remaining = new Int32Array(graph.order.length);
  const isFinal = new Uint8Array(graph.order.length);
  for (const [name, count] of plan.consumerCount) remaining[graph.get(name)!.index] = count;
  for (const f of plan.finalVars) {
    const n = graph.get(f);
    if (n) isFinal[n.index] = 1;
  }
  planCounts.set(plan, (c = { remaining, isFinal }));
  return c;
}

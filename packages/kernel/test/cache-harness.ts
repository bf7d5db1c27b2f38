// A minimal driver over the cache engine, for tests: it runs a graph (no
// parallel blocks) task by task the way the integration will — plan, run what
// is not a hit, record — so the engine can be tested without the scheduler.
import { CacheEngine } from "../src/cache/cache-engine.js";
import type { CacheOptions } from "../src/cache/cache-options.js";
import type { CacheTask, RunCache } from "../src/cache/run-cache.js";
import { FunctionGraph, type GraphNode } from "../src/graph/function-graph.js";
import { nodesFromModules } from "../src/node/from-modules.js";

export type Module = Record<string, unknown>;

export function graphOf(...modules: Module[]): FunctionGraph {
  return new FunctionGraph(nodesFromModules(modules.map((exports, i) => ({ name: `module #${i + 1}`, exports })), {}));
}

export interface HarnessRun {
  readonly outputs: Record<string, unknown>;
  /** Node functions that ran, in order. */
  readonly ran: string[];
  readonly runId: string;
}

export interface RunRequest {
  readonly inputs?: Record<string, unknown>;
  readonly overrides?: Record<string, unknown>;
  /** How nodes are grouped into tasks: one per node (default), one for all, or chunks of n in order. */
  readonly grouping?: "each" | "all" | number;
}

let runs = 0;

/** Run `finalVars` once through the cache, as the driver will. */
export async function runCached(engine: CacheEngine, graph: FunctionGraph, finalVars: string[], req: RunRequest = {}): Promise<HarnessRun> {
  const runId = `run-${++runs}`;
  const cache = engine.beginRun(runId);
  try {
    return await execute(cache, graph, finalVars, req, runId);
  } finally {
    await cache.finish();
  }
}

/** The nodes to compute for `finalVars`, in topological order. */
export function nodesToCompute(graph: FunctionGraph, finalVars: string[], req: RunRequest): GraphNode[] {
  const fixed = new Set([...Object.keys(req.inputs ?? {}), ...Object.keys(req.overrides ?? {})]);
  const stop = new Set([...graph.nodes.values()].filter((n) => n.isInput || fixed.has(n.name)).map((n) => n.name));
  const needed = graph.upstreamOf(finalVars, stop);
  return graph.order.filter((n) => needed.has(n.name) && !stop.has(n.name));
}

export function tasksOf(nodes: GraphNode[], grouping: RunRequest["grouping"]): GraphNode[][] {
  if (grouping === "all") return nodes.length > 0 ? [nodes] : [];
  const size = typeof grouping === "number" ? grouping : 1;
  const out: GraphNode[][] = [];
  for (let i = 0; i < nodes.length; i += size) out.push(nodes.slice(i, i + size));
  return out;
}

/**
 * Run one task through the cache as the driver will: plan, run the nodes that
 * are not hits (reading inputs from the task, then from `env`), record. A
 * failure gives the task's keys up and rethrows.
 */
export async function runTask(cache: RunCache, task: CacheTask, env: Map<string, unknown>, ran: string[]): Promise<void> {
  const plan = await cache.planTask(task);
  for (const [name, value] of plan.hits) env.set(name, value);
  if (plan.run.length === 0) return;
  const values: Record<string, unknown> = {};
  try {
    for (const n of plan.run) {
      ran.push(task.path ? `${n.name}[${task.path.join(",")}]` : n.name);
      let v = (n.spec!.fn as (...a: unknown[]) => unknown)(...n.deps.map((d) => (d in task.inputs ? task.inputs[d] : env.get(d))));
      if (v instanceof Promise) v = await v;
      env.set(n.name, v);
      values[n.name] = v;
    }
  } catch (error) {
    cache.taskFailed(plan);
    throw error;
  }
  cache.recordTask(plan, values);
}

async function execute(cache: RunCache, graph: FunctionGraph, finalVars: string[], req: RunRequest, runId: string): Promise<HarnessRun> {
  const env = new Map<string, unknown>(Object.entries({ ...(req.inputs ?? {}), ...(req.overrides ?? {}) }));
  const ran: string[] = [];
  for (const nodes of tasksOf(nodesToCompute(graph, finalVars, req), req.grouping)) {
    const inside = new Set(nodes.map((n) => n.name));
    const inputs: Record<string, unknown> = {};
    for (const n of nodes) for (const d of n.deps) if (!inside.has(d)) inputs[d] = env.get(d);
    await runTask(cache, { taskId: nodes.map((n) => n.name).join("+"), nodes, inputs }, env, ran);
  }
  const outputs: Record<string, unknown> = {};
  for (const f of finalVars) outputs[f] = env.get(f);
  return { outputs, ran, runId };
}

/** A fresh engine over a graph (the default in-memory store unless one is given). */
export function engineOf(graph: FunctionGraph, options: CacheOptions = {}): CacheEngine {
  return new CacheEngine(graph, options);
}

/** The event types of one node in a run's log, in order. */
export function eventsOf(engine: CacheEngine, runId: string, nodeName: string): string[] {
  return engine.logs({ runId }).filter((e) => e.nodeName === nodeName).map((e) => e.type);
}

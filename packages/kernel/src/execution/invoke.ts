import { NodeExecutionError } from "../errors.js";
import type { GraphNode } from "../graph/function-graph.js";
import type { HamiltonGraphAdapter, NodeCall } from "../results/graph-adapter.js";
import type { LifecycleHooks } from "../results/lifecycle.js";

/** Who is running nodes: the run, the task, and the hooks/adapter to honour. */
export interface InvokeContext {
  readonly runId: string;
  readonly taskId: string;
  readonly hooks: LifecycleHooks;
  /** A graph adapter whose `executeNode` runs nodes (undefined: call directly). */
  readonly adapter: HamiltonGraphAdapter | undefined;
}

const now: () => number =
  typeof performance !== "undefined" && typeof performance.now === "function" ? () => performance.now() : () => Date.now();

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as PromiseLike<unknown>).then === "function";
}

function wrap(node: GraphNode, taskId: string, error: unknown): NodeExecutionError {
  if (NodeExecutionError.isInstance(error) && error.nodeName === node.name) return error;
  return new NodeExecutionError(node.name, taskId, error);
}

function kwargsOf(node: GraphNode, args: readonly unknown[]): Record<string, unknown> {
  const kwargs: Record<string, unknown> = {};
  const deps = node.deps;
  for (let i = 0; i < deps.length; i++) kwargs[deps[i]!] = args[i];
  return kwargs;
}

function callableOf(node: GraphNode): (kwargs: Record<string, unknown>) => unknown {
  const fn = node.spec!.fn as (...a: unknown[]) => unknown;
  return (kwargs) => fn(...node.deps.map((d) => kwargs[d]));
}

/**
 * Run one node with positional arguments (in dependency order). Returns the value,
 * or a Promise for async nodes; a failure is a NodeExecutionError (thrown or
 * rejected) whose `cause` is the node's own error.
 */
export function invokeNode(node: GraphNode, args: unknown[], ctx: InvokeContext): unknown {
  const { hooks, adapter } = ctx;
  if (!hooks.hasNodeHooks && !adapter) {
    let out: unknown;
    try {
      out = (node.spec!.fn as (...a: unknown[]) => unknown)(...args);
    } catch (error) {
      throw wrap(node, ctx.taskId, error);
    }
    if (isThenable(out)) return Promise.resolve(out).catch((error: unknown) => { throw wrap(node, ctx.taskId, error); });
    return out;
  }
  return invokeWithHooks(node, args, ctx);
}

function invokeWithHooks(node: GraphNode, args: unknown[], ctx: InvokeContext): unknown {
  const { hooks, adapter, runId, taskId } = ctx;
  const kwargs = kwargsOf(node, args);
  const base = { runId, taskId, nodeName: node.name, nodeTags: node.tags, kwargs };
  for (const h of hooks.preNode) h(base);
  const started = now();
  const finish = (success: boolean, result: unknown, error: unknown) => {
    const post = { ...base, success, result, error, durationMs: now() - started };
    for (const h of hooks.postNode) h(post);
  };
  let out: unknown;
  try {
    if (hooks.doNode) {
      out = hooks.doNode({ ...base, execute: callableOf(node) });
    } else if (adapter) {
      const call: NodeCall = { name: node.name, tags: node.tags, callable: callableOf(node) };
      out = adapter.executeNode(call, kwargs);
    } else {
      out = (node.spec!.fn as (...a: unknown[]) => unknown)(...args);
    }
  } catch (error) {
    finish(false, undefined, error);
    throw wrap(node, taskId, error);
  }
  if (isThenable(out)) {
    return Promise.resolve(out).then(
      (value) => {
        finish(true, value, undefined);
        return value;
      },
      (error: unknown) => {
        finish(false, undefined, error);
        throw wrap(node, taskId, error);
      },
    );
  }
  finish(true, out, undefined);
  return out;
}

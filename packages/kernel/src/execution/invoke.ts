// Node invocation: one node, one attempt, wherever it runs (the calling thread
// or a worker's TaskRunner). Hooks, a graph adapter, the attempt's timeout
// and the node's output checks all apply here, so every executor behaves alike.
import { DataValidationError, NodeExecutionError, TimeoutError, type ValidationResult } from "../errors.js";
import type { GraphNode } from "../graph/function-graph.js";
import { PostNodeArgs, PreNodeArgs, type LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import type { HamiltonGraphAdapter, NodeCall } from "../results/graph-adapter.js";
import { getOwn } from "./own-record.js";

/** Who is running nodes: the run, the task and attempt, and the hooks/adapter to honour. */
export interface InvokeContext {
  readonly runId: string;
  readonly taskId: string;
  readonly hooks: LifecycleHooks;
  /** A graph adapter whose `executeNode` runs nodes (undefined: call directly). */
  readonly adapter: HamiltonGraphAdapter | undefined;
  /** 1-based attempt of the task (node hooks report it). Default 1. */
  readonly attempt?: number;
  /** Receives each node's output-check results (a `validation` NodeEvent, in a worker). */
  readonly onValidation?: (nodeName: string, results: readonly ValidationResult[]) => void;
  /** The run's signal: a node abandoned by an ended run reports to no hook when it finally settles. */
  readonly signal?: AbortSignal;
}

const now: () => number =
  typeof performance !== "undefined" && typeof performance.now === "function" ? () => performance.now() : () => Date.now();

/** Whether a value is a promise or another thenable. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as PromiseLike<unknown>).then === "function";
}

/** The node's failure as the run reports it: the kernel's own timeout/validation errors stay as they are. */
function wrap(node: GraphNode, taskId: string, error: unknown): Error {
  if ((NodeExecutionError.isInstance(error) || TimeoutError.isInstance(error) || DataValidationError.isInstance(error)) && error.nodeName === node.name) {
    return error;
  }
  return new NodeExecutionError(node.name, taskId, error);
}

/**
 * The node's arguments by name, in an object without prototype: keys differ
 * from node to node, and V8 builds such objects ~20× faster in dictionary
 * mode than as plain objects (each new key set is a new hidden class).
 */
function kwargsOf(node: GraphNode, args: readonly unknown[]): Record<string, unknown> {
  const kwargs = Object.create(null) as Record<string, unknown>;
  const deps = node.deps;
  for (let i = 0; i < deps.length; i++) kwargs[deps[i]!] = args[i];
  return kwargs;
}

function callableOf(node: GraphNode): (kwargs: Record<string, unknown>) => unknown {
  const fn = node.spec!.fn as (...a: unknown[]) => unknown;
  return (kwargs) => fn(...node.deps.map((d) => getOwn(kwargs, d)));
}

/**
 * Run one attempt of one node with positional arguments (in dependency order).
 * Returns the value, or a Promise for async nodes and async checks; a failure
 * is thrown (or rejected) as a NodeExecutionError whose `cause` is the node's
 * own error — or as the TimeoutError / DataValidationError naming the node.
 */
export function invokeNode(node: GraphNode, args: unknown[], ctx: InvokeContext): unknown {
  const spec = node.spec!;
  if (ctx.hooks.hasNodeHooks || ctx.adapter || spec.timeoutMs !== undefined || spec.checks.length > 0) return invokeWithCare(node, args, ctx);
  let out: unknown;
  try {
    out = (spec.fn as (...a: unknown[]) => unknown)(...args);
  } catch (error) {
    throw wrap(node, ctx.taskId, error);
  }
  if (isThenable(out)) return Promise.resolve(out).catch((error: unknown) => { throw wrap(node, ctx.taskId, error); });
  return out;
}

function invokeWithCare(node: GraphNode, args: unknown[], ctx: InvokeContext): unknown {
  const { hooks, adapter, taskId } = ctx;
  const spec = node.spec!;
  const watched = hooks.preNode.length > 0 || hooks.postNode.length > 0;
  const kwargs = watched || hooks.doNode || adapter ? kwargsOf(node, args) : undefined;
  const pre = watched ? new PreNodeArgs(ctx.runId, taskId, node.name, node.tags, kwargs, ctx.attempt ?? 1) : undefined;
  if (pre) for (const h of hooks.preNode) h(pre);
  const started = now();
  let out: unknown;
  try {
    if (hooks.doNode) {
      out = hooks.doNode({ runId: ctx.runId, taskId, nodeName: node.name, nodeTags: node.tags, attempt: ctx.attempt ?? 1, kwargs: kwargs!, execute: callableOf(node) });
    } else if (adapter) {
      const call: NodeCall = { name: node.name, tags: node.tags, callable: callableOf(node) };
      out = adapter.executeNode(call, kwargs!);
    } else {
      out = (spec.fn as (...a: unknown[]) => unknown)(...args);
    }
  } catch (error) {
    return failed(node, ctx, pre, started, error);
  }
  const timeoutMs = spec.timeoutMs;
  if (isThenable(out)) {
    let p = Promise.resolve(out);
    if (timeoutMs !== undefined) p = withTimeout(p, new TimeoutError(node.name, taskId, timeoutMs), timeoutMs);
    if (spec.checks.length > 0) p = p.then((value) => checkOutput(node, value, ctx));
    return p.then(
      (value) => succeeded(ctx, pre, started, value),
      (error: unknown) => failed(node, ctx, pre, started, error),
    );
  }
  if (timeoutMs !== undefined && now() - started > timeoutMs) {
    return failed(node, ctx, pre, started, new TimeoutError(node.name, taskId, timeoutMs, "the node ran synchronously past its limit and was failed when it returned"));
  }
  if (spec.checks.length > 0) {
    let checked: unknown;
    try {
      checked = checkOutput(node, out, ctx);
    } catch (error) {
      return failed(node, ctx, pre, started, error);
    }
    if (isThenable(checked)) {
      return Promise.resolve(checked).then(
        (value) => succeeded(ctx, pre, started, value),
        (error: unknown) => failed(node, ctx, pre, started, error),
      );
    }
  }
  return succeeded(ctx, pre, started, out);
}

/** Fire post hooks for a success (not for a node its run abandoned) and return the value. */
function succeeded(ctx: InvokeContext, pre: PreNodeArgs | undefined, started: number, value: unknown): unknown {
  const post = ctx.hooks.postNode;
  if (pre && post.length > 0 && !ctx.signal?.aborted) {
    const args = new PostNodeArgs(pre, true, value, undefined, now() - started);
    for (let i = 0; i < post.length; i++) post[i]!(args);
  }
  return value;
}

/** Fire post hooks for a failure, then throw it as the run reports it. */
function failed(node: GraphNode, ctx: InvokeContext, pre: PreNodeArgs | undefined, started: number, error: unknown): never {
  const wrapped = wrap(node, ctx.taskId, error);
  const post = ctx.hooks.postNode;
  if (pre && post.length > 0 && !ctx.signal?.aborted) {
    const own = TimeoutError.isInstance(wrapped) || DataValidationError.isInstance(wrapped) ? wrapped : error;
    const args = new PostNodeArgs(pre, false, undefined, own, now() - started);
    for (let i = 0; i < post.length; i++) post[i]!(args);
  }
  throw wrapped;
}

/** Settle with `p`, or reject with `timeout` after `ms` (the node keeps running, unobserved). */
function withTimeout<T>(p: Promise<T>, timeout: TimeoutError, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeout), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

/**
 * Run the node's checks on its value, in order; report every result, then
 * fail with a DataValidationError if a `"fail"` check did not pass. Returns
 * the value (or a Promise of it, when a check is async).
 */
function checkOutput(node: GraphNode, value: unknown, ctx: InvokeContext): unknown {
  const checks = node.spec!.checks;
  const where = { nodeName: node.name, taskId: ctx.taskId, runId: ctx.runId };
  const results: ValidationResult[] = [];
  const finish = (): unknown => {
    ctx.onValidation?.(node.name, results);
    if (results.some((r) => !r.passed && r.importance === "fail")) throw new DataValidationError(node.name, results);
    return value;
  };
  const from = (i: number): unknown => {
    for (; i < checks.length; i++) {
      const r = checks[i]!(value, where);
      if (isThenable(r)) {
        const next = i + 1;
        return Promise.resolve(r).then((list) => {
          results.push(...list);
          return from(next);
        });
      }
      results.push(...r);
    }
    return finish();
  };
  return from(0);
}

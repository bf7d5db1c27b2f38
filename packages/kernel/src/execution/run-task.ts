// Running a task's nodes: shared by in-thread tasks and the worker-side
// TaskRunner, so hooks, timeouts and output checks behave the same everywhere.
import { abortErrorFrom } from "../errors.js";
import type { GraphNode } from "../graph/function-graph.js";
import { invokeNode, isThenable, type InvokeContext } from "./invoke.js";
import { ownCopy } from "./own-record.js";

/**
 * Run a task's nodes in order over `inputs` (the task's inputs by name, read
 * as own properties), and return the requested outputs (in an object without
 * prototype). Values that are not outputs are dropped when the task ends.
 * Each node's `timeoutMs` bounds its attempt (an async overrun is abandoned
 * with a TimeoutError), and its checks run on its value (see
 * `InvokeContext.onValidation`).
 */
export async function runNodes(
  nodes: readonly GraphNode[],
  inputs: Readonly<Record<string, unknown>>,
  outputs: readonly string[],
  ctx: InvokeContext,
): Promise<Record<string, unknown>> {
  return runNodesInline(nodes, inputs, outputs, ctx);
}

/**
 * `runNodes` without a promise while every node is synchronous: the outputs,
 * or a Promise of them from the first node that returns one; a failure of a
 * synchronous node is thrown. A task of one node (the default grouping) needs
 * no object of intermediate values. `checked`: the caller has just seen the
 * run's signal not aborted (it is read once per task, not twice).
 */
export function runNodesInline(
  nodes: readonly GraphNode[],
  inputs: Readonly<Record<string, unknown>>,
  outputs: readonly string[],
  ctx: InvokeContext,
  checked = false,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  // no prototype: a dependency called `constructor` that was not given is undefined, not Object
  const env = nodes.length === 1 && Object.getPrototypeOf(inputs) === null ? (inputs as Record<string, unknown>) : ownCopy(inputs);
  if (env === inputs) {
    const node = nodes[0]!;
    if (!checked && ctx.signal?.aborted) throw abortErrorFrom(ctx.signal);
    const out = invokeNode(node, argsOf(node, env), ctx);
    return isThenable(out) ? Promise.resolve(out).then((v) => single(node, env, outputs, v)) : single(node, env, outputs, out);
  }
  return step(nodes, 0, env, outputs, ctx);
}

/** The arguments of `node`, in dependency order, from values by name. */
function argsOf(node: GraphNode, env: Readonly<Record<string, unknown>>): unknown[] {
  const deps = node.deps;
  const args = new Array<unknown>(deps.length);
  for (let i = 0; i < deps.length; i++) args[i] = env[deps[i]!];
  return args;
}

/** The outputs of a one-node task: its value, or an input passed through (the task's inputs are not written to: a retry reuses them). */
function single(node: GraphNode, inputs: Readonly<Record<string, unknown>>, outputs: readonly string[], value: unknown): Record<string, unknown> {
  const result = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < outputs.length; i++) {
    const name = outputs[i]!;
    result[name] = name === node.name ? value : inputs[name];
  }
  return result;
}

/** Nodes `from`… of a task over `env` (its own copy of the inputs), going async only at the first node that does. */
function step(
  nodes: readonly GraphNode[],
  from: number,
  env: Record<string, unknown>,
  outputs: readonly string[],
  ctx: InvokeContext,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  const signal = ctx.signal;
  for (let k = from; k < nodes.length; k++) {
    // a task of a run that ended stops between nodes
    if (signal?.aborted) throw abortErrorFrom(signal);
    const node = nodes[k]!;
    const out = invokeNode(node, argsOf(node, env), ctx);
    if (isThenable(out)) {
      return Promise.resolve(out).then((v) => {
        env[node.name] = v;
        return step(nodes, k + 1, env, outputs, ctx);
      });
    }
    env[node.name] = out;
  }
  // no prototype, as the inputs: each task has its own keys
  const result = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < outputs.length; i++) result[outputs[i]!] = env[outputs[i]!];
  return result;
}

/** Drain an Iterable or AsyncIterable into an array (for crossing a boundary). */
export async function materialize(value: unknown): Promise<unknown[]> {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === "object" && Symbol.asyncIterator in value) {
    const out: unknown[] = [];
    for await (const item of value as AsyncIterable<unknown>) out.push(item);
    return out;
  }
  if (value !== null && value !== undefined && typeof (value as Iterable<unknown>)[Symbol.iterator] === "function") {
    return Array.from(value as Iterable<unknown>);
  }
  throw new TypeError(`a parallelizable node must return an array, Iterable or AsyncIterable, got ${value === null ? "null" : typeof value}`);
}

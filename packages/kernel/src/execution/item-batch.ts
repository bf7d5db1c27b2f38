// Item batches: many branches of one parallel block run as one task, for the
// executors that take them (`TaskExecutor.itemsPerTask`). The block's
// nodes run once per item, one item after another, as a one-slot executor
// runs branch tasks; each output comes back as an array with a value per
// item. A failing item is reported with its own task id, as if it had been a
// task of its own. Shared by the calling thread and workers.
import { abortErrorFrom, NodeExecutionError } from "../errors.js";
import type { GraphNode } from "../graph/function-graph.js";
import type { LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import type { HamiltonGraphAdapter } from "../results/graph-adapter.js";
import type { ValidationResult } from "../errors.js";
import { invokeNode, isThenable, type InvokeContext } from "./invoke.js";
import { runNodesInline } from "./run-task.js";

/** The task id of a batch of items `first`…`first + count - 1` of a block whose branch tasks are `<name>[<path>]`. */
export function itemBatchId(name: string, parentPath: readonly number[], first: number, count: number): string {
  const range = first + ".." + (first + count - 1);
  return parentPath.length === 0 ? name + "[" + range + "]" : name + "[" + parentPath.join(",") + "," + range + "]";
}

/** The task id item `k` of batch `batchId` would have had as a task of its own. */
export function itemTaskId(batchId: string, k: number): string {
  if (!/\d+\.\.\d+\]$/.test(batchId)) return batchId + "[" + k + "]"; // an id without a range (a worker's own): the index appended
  const open = batchId.lastIndexOf("[");
  const comma = batchId.lastIndexOf(",");
  const from = comma > open ? comma + 1 : open + 1;
  const first = Number.parseInt(batchId.slice(from), 10);
  return batchId.slice(0, from) + (first + k) + "]";
}

/** The context item `k` of a batch runs in: the batch's, with the item's task id (made only when asked: on a failure or a check). */
class ItemContext implements InvokeContext {
  k = 0;
  constructor(private readonly batch: InvokeContext) {}
  get runId(): string {
    return this.batch.runId;
  }
  get taskId(): string {
    return itemTaskId(this.batch.taskId, this.k);
  }
  get hooks(): LifecycleHooks {
    return this.batch.hooks;
  }
  get adapter(): HamiltonGraphAdapter | undefined {
    return this.batch.adapter;
  }
  get attempt(): number | undefined {
    return this.batch.attempt;
  }
  get onValidation(): ((nodeName: string, results: readonly ValidationResult[]) => void) | undefined {
    return this.batch.onValidation;
  }
  get signal(): AbortSignal | undefined {
    return this.batch.signal;
  }
}

/**
 * Run `nodes` once per item of `inputs[input]` (an array; of `count` items
 * when the caller knows how many), the other inputs shared, and return each
 * of `outputs` as an array of a value per item; synchronous while every node
 * is. A failure is thrown (or rejected) as the node's error naming the item's task id.
 */
export function runItems(
  nodes: readonly GraphNode[],
  inputs: Readonly<Record<string, unknown>>,
  outputs: readonly string[],
  input: string,
  ctx: InvokeContext,
  count?: number,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  const list = inputs[input];
  if (!Array.isArray(list) || (count !== undefined && list.length !== count)) {
    const what = count !== undefined ? `an array of ${count} items` : "an array";
    throw new NodeExecutionError(nodes[0]?.name ?? "(task)", ctx.taskId, new TypeError(`item batch input "${input}" must be ${what}`));
  }
  const result = Object.create(null) as Record<string, unknown[]>;
  for (const name of outputs) result[name] = new Array<unknown>(list.length);
  const item = new ItemContext(ctx);
  const only = nodes.length === 1 && outputs.length === 1 && outputs[0] === nodes[0]!.name ? nodes[0]! : undefined;
  if (only) {
    // one node returning its value (a block of one node): its arguments straight from the inputs
    const deps = only.deps;
    const args = new Array<unknown>(deps.length);
    let at = -1;
    for (let d = 0; d < deps.length; d++) {
      if (deps[d] === input) at = d;
      else args[d] = inputs[deps[d]!];
    }
    const into = result[only.name]!;
    return oneNode(only, list, args, at, into, 0, item, result);
  }
  return severalNodes(nodes, inputs, Object.keys(inputs), outputs, input, list, 0, item, result);
}

function oneNode(
  node: GraphNode,
  list: readonly unknown[],
  args: unknown[],
  at: number,
  into: unknown[],
  from: number,
  item: ItemContext,
  result: Record<string, unknown[]>,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  const signal = item.signal;
  for (let k = from; k < list.length; k++) {
    if (signal?.aborted) throw abortErrorFrom(signal);
    item.k = k;
    if (at >= 0) args[at] = list[k];
    // the array is reused: invokeNode spreads it into the call, so no node keeps it
    const out = invokeNode(node, args, item);
    if (isThenable(out)) {
      return Promise.resolve(out).then((v) => {
        into[k] = v;
        return oneNode(node, list, args, at, into, k + 1, item, result);
      });
    }
    into[k] = out;
  }
  return result;
}

function severalNodes(
  nodes: readonly GraphNode[],
  inputs: Readonly<Record<string, unknown>>,
  names: readonly string[],
  outputs: readonly string[],
  input: string,
  list: readonly unknown[],
  from: number,
  item: ItemContext,
  result: Record<string, unknown[]>,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  const signal = item.signal;
  for (let k = from; k < list.length; k++) {
    if (signal?.aborted) throw abortErrorFrom(signal);
    item.k = k;
    const env = Object.create(null) as Record<string, unknown>;
    for (const name of names) env[name] = inputs[name];
    env[input] = list[k];
    const out = runNodesInline(nodes, env, outputs, item, true);
    if (isThenable(out)) {
      return Promise.resolve(out).then((o) => {
        for (const name of outputs) result[name]![k] = (o as Record<string, unknown>)[name];
        return severalNodes(nodes, inputs, names, outputs, input, list, k + 1, item, result);
      });
    }
    for (const name of outputs) result[name]![k] = out[name];
  }
  return result;
}

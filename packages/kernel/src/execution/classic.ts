import { abortErrorFrom } from "../errors.js";
import { invokeNode, isThenable, type InvokeContext } from "./invoke.js";
import type { ExecutionPlan } from "./plan.js";

/**
 * The classic executor: every node once, in topological order, in this thread.
 * Iterative (no recursion limit), awaits only nodes that return promises, and
 * drops each value as soon as its last consumer has run.
 */
export async function executeClassic(
  plan: ExecutionPlan,
  fixedValues: ReadonlyMap<string, unknown>,
  ctx: InvokeContext,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const graph = plan.graph;
  const values: unknown[] = new Array(graph.order.length);
  const remaining = new Int32Array(graph.order.length);
  const isFinal = new Uint8Array(graph.order.length);
  for (const [name, count] of plan.consumerCount) remaining[graph.get(name)!.index] = count;
  for (const f of plan.finalVars) {
    const n = graph.get(f);
    if (n) isFinal[n.index] = 1;
  }
  for (const [name, value] of fixedValues) {
    const n = graph.get(name);
    if (n) values[n.index] = value;
  }
  for (const node of plan.toCompute) {
    const deps = node.deps;
    const args = new Array<unknown>(deps.length);
    for (let i = 0; i < deps.length; i++) {
      const d = graph.get(deps[i]!)!;
      args[i] = values[d.index];
      if (--remaining[d.index] === 0 && !isFinal[d.index]) values[d.index] = undefined;
    }
    let out = invokeNode(node, args, ctx);
    if (isThenable(out)) out = await (signal ? raceAbort(out, signal) : out);
    values[node.index] = out;
    if (signal?.aborted) throw abortErrorFrom(signal);
  }
  const outputs: Record<string, unknown> = {};
  for (const f of plan.finalVars) {
    const n = graph.get(f);
    outputs[f] = n ? values[n.index] : fixedValues.get(f);
  }
  return outputs;
}

/** Settle with the node's value, or reject as soon as the signal aborts (the node keeps running unobserved). */
function raceAbort<T>(p: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortErrorFrom(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortErrorFrom(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(p).then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}

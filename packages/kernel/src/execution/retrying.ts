// What happens when an attempt fails under a retry policy (retryer.ts): whether
// it gets another, the wait before it, and the attempts of one classic node.
// Loaded on demand by classic execution (most graphs never retry); dynamic
// execution, itself loaded on demand, imports it directly.
import { abortErrorFrom, AbortError, NodeExecutionError } from "../errors.js";
import type { GraphNode } from "../graph/function-graph.js";
import { invokeNode, isThenable, type InvokeContext } from "./invoke.js";
import { raceAbort } from "../executors/race-abort.js";
import type { ResolvedRetryPolicy } from "./retryer.js";

/** The wait before attempt `next` (2 = the first retry), in ms. */
export function retryDelayMs(policy: ResolvedRetryPolicy, next: number, random: () => number = Math.random): number {
  const interval = Math.min(policy.maxIntervalMs, policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, next - 2));
  return policy.jitter ? interval / 2 + random() * (interval / 2) : interval;
}

/** The node's own error inside a failure: the `cause` of a NodeExecutionError, else the error itself. */
function nodeErrorOf(error: unknown): unknown {
  return NodeExecutionError.isInstance(error) ? error.cause : error;
}

function isAbort(error: unknown): boolean {
  const own = nodeErrorOf(error);
  return AbortError.isInstance(error) || (error as { name?: unknown } | null)?.name === "AbortError" || (own as { name?: unknown } | null)?.name === "AbortError";
}

/**
 * Whether failed attempt `attempt` (1-based) gets another one: attempts are
 * left, the run is not aborted, the failure is no abort, and `retryOn` (given
 * the node's own error) does not say no. A `retryOn` that throws says no.
 */
export function shouldRetry(policy: ResolvedRetryPolicy | undefined, error: unknown, attempt: number, signal?: AbortSignal): boolean {
  if (policy === undefined || attempt >= policy.maxAttempts) return false;
  if (signal?.aborted || isAbort(error)) return false;
  if (policy.retryOn === undefined) return true;
  try {
    return policy.retryOn(nodeErrorOf(error)) === true;
  } catch {
    return false;
  }
}

/** Wait `ms` before the next attempt; rejects with an AbortError as soon as `signal` aborts. */
export function backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortErrorFrom(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortErrorFrom(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Attempts of one node until one succeeds, the policy gives up, or the run is aborted. */
export async function invokeWithRetries(
  node: GraphNode,
  args: unknown[],
  ctx: InvokeContext,
  policy: ResolvedRetryPolicy,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      let out = invokeNode(node, args, attempt === 1 ? ctx : { ...ctx, attempt });
      if (isThenable(out)) out = await (signal ? raceAbort(out, signal) : out);
      return out;
    } catch (error) {
      if (!shouldRetry(policy, error, attempt, signal)) throw error;
      await backoff(retryDelayMs(policy, attempt + 1), signal);
    }
  }
}

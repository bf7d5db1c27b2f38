import { GraphError } from "../errors.js";
import type { FunctionGraph } from "../graph/function-graph.js";

// Retry policies: what users write, checked and filled in when the graph is
// built. What happens on a failed attempt is in retrying.ts, loaded on demand.

/**
 * How a node is retried when an attempt fails (`node(fn, { retry })`, or the
 * default for every node from `Builder.withRetryPolicy`). Intervals grow by
 * `backoffCoefficient` from `initialIntervalMs` up to `maxIntervalMs`; with
 * `jitter`, each wait is drawn uniformly from [interval / 2, interval].
 *
 * @example
 * export const fetched = node(fetchPage, { retry: { maxAttempts: 3, retryOn: (e) => !(e instanceof TypeError) }, timeoutMs: 10_000 });
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retry). */
  readonly maxAttempts: number;
  /** Wait before the second attempt (default 500 ms). */
  readonly initialIntervalMs?: number;
  /** Factor between consecutive waits (default 2). */
  readonly backoffCoefficient?: number;
  /** Longest wait (default 30 000 ms, or `initialIntervalMs` if that is longer). */
  readonly maxIntervalMs?: number;
  /** Randomise each wait in [interval / 2, interval] (default true). */
  readonly jitter?: boolean;
  /**
   * Whether this failure is worth another attempt (default: every failure but
   * an abort). Gets the node's own error (the `cause` of the NodeExecutionError),
   * with its class and own properties even when it crossed from a worker.
   */
  readonly retryOn?: (error: unknown) => boolean;
}

/** A RetryPolicy with every default filled in. */
export interface ResolvedRetryPolicy {
  readonly maxAttempts: number;
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maxIntervalMs: number;
  readonly jitter: boolean;
  readonly retryOn: ((error: unknown) => boolean) | undefined;
}

/** Fill in defaults, and refuse a policy that makes no sense (naming where it came from). */
export function resolveRetryPolicy(policy: RetryPolicy, where: string): ResolvedRetryPolicy {
  const initialIntervalMs = policy.initialIntervalMs ?? 500;
  const p: ResolvedRetryPolicy = {
    maxAttempts: policy.maxAttempts,
    initialIntervalMs,
    backoffCoefficient: policy.backoffCoefficient ?? 2,
    // a first wait longer than the default cap is the cap
    maxIntervalMs: policy.maxIntervalMs ?? Math.max(30_000, initialIntervalMs),
    jitter: policy.jitter ?? true,
    retryOn: policy.retryOn,
  };
  const bad = (what: string) => new RangeError(`${where}: retry.${what}`);
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1) throw bad(`maxAttempts must be an integer >= 1, got ${String(policy.maxAttempts)}`);
  if (!(p.initialIntervalMs >= 0)) throw bad(`initialIntervalMs must be >= 0, got ${String(policy.initialIntervalMs)}`);
  if (!(p.backoffCoefficient >= 1)) throw bad(`backoffCoefficient must be >= 1, got ${String(policy.backoffCoefficient)}`);
  if (!(p.maxIntervalMs >= p.initialIntervalMs)) throw bad(`maxIntervalMs must be >= initialIntervalMs, got ${String(policy.maxIntervalMs)}`);
  if (p.retryOn !== undefined && typeof p.retryOn !== "function") throw bad(`retryOn must be a function`);
  return p;
}

/** Each node's resolved retry policy by index (its own, else the default), or undefined when none retries. */
export function retryPoliciesOf(graph: FunctionGraph, fallback: RetryPolicy | undefined): Array<ResolvedRetryPolicy | undefined> | undefined {
  const byNode: Array<ResolvedRetryPolicy | undefined> = new Array(graph.order.length);
  const resolved = fallback && resolveRetryPolicy(fallback, "withRetryPolicy()");
  let any = false;
  for (const n of graph.order) {
    const spec = n.spec;
    if (!spec) continue;
    if (spec.timeoutMs !== undefined && !(typeof spec.timeoutMs === "number" && spec.timeoutMs > 0)) {
      throw new GraphError(`Node "${n.name}" (${spec.module}): timeoutMs must be a positive number of milliseconds, got ${String(spec.timeoutMs)}.`);
    }
    let p: ResolvedRetryPolicy | undefined;
    try {
      p = spec.retry ? resolveRetryPolicy(spec.retry, `Node "${n.name}" (${spec.module})`) : resolved;
    } catch (error) {
      throw new GraphError((error as Error).message, { cause: error });
    }
    if (p && p.maxAttempts > 1) {
      byNode[n.index] = p;
      any = true;
    }
  }
  return any ? byNode : undefined;
}

import { abortErrorFrom, AbortError, GraphError, NodeExecutionError } from "../errors.js";
import type { FunctionGraph } from "../graph/function-graph.js";

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

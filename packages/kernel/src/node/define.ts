import type { ValidationResult } from "../errors.js";
import type { RetryPolicy } from "../execution/retryer.js";

/** The hidden marker under which `node()` and its shorthands store a node's options. */
export const NODE_META: unique symbol = Symbol.for("hamilton-ts.node") as never;

/** Values a `parallelizable` function may return: every item starts one branch. */
export type Parallelizable<T> = Iterable<T> | AsyncIterable<T>;

/** The type a `collect` parameter receives: one value per branch, in item order. */
export type Collect<T> = T[];

/** A condition for `configWhen`: config key → required value, or a predicate on the config. */
export type ConfigCondition = Readonly<Record<string, unknown>> | ((config: Readonly<Record<string, unknown>>) => boolean);

/** Options of the explicit node form, `node(fn, options)`. */
export interface NodeOptions {
  /** Dependency names in parameter order; use when the source cannot be read (bundled/minified code). */
  deps?: readonly string[];
  /** Free-form tags, returned by `listAvailableVariables()` and given to lifecycle hooks. */
  tags?: Readonly<Record<string, string>>;
  /** Parameters that receive the array of every branch's value (see `collect`). */
  collect?: readonly string[];
  /** The function returns items that each start one branch (see `parallelizable`). */
  parallelizable?: boolean;
  /** Retry a failed attempt (overrides `Builder.withRetryPolicy` for this node). */
  retry?: RetryPolicy;
  /** Longest one attempt may take (ms); an overrun is a `TimeoutError` naming the node. */
  timeoutMs?: number;
  /** Caching behaviour of this node (see `Builder.withCache`); the builder's lists win. */
  cache?: CacheBehavior;
  /** Code version for the cache key, in place of a hash of the function's source (bump it when a helper it calls changes). */
  version?: string;
}

/**
 * A check of a node's value, made by `checkOutput`. The kernel runs a node's
 * checks right after it computed its value, wherever the node ran; reports the
 * results (a `validation` NodeEvent, collected by `Driver.validationResults`);
 * and fails the node with a `DataValidationError` if a result with importance
 * `"fail"` did not pass.
 */
export type OutputCheck = (
  value: unknown,
  where: { readonly nodeName: string; readonly taskId: string; readonly runId: string },
) => readonly ValidationResult[] | Promise<readonly ValidationResult[]>;

/** How the cache treats a node: as Hamilton's `@cache(behavior=...)`. */
export type CacheBehavior = "default" | "recompute" | "disable" | "ignore";

/** What the kernel knows about a function once `node()` (or a shorthand) has wrapped it. */
export interface NodeMeta {
  readonly fn: (...args: never[]) => unknown;
  readonly deps?: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly collect: readonly string[];
  readonly parallelizable: boolean;
  readonly conditions: readonly ConfigCondition[];
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  readonly cache?: CacheBehavior;
  readonly version?: string;
  /** Checks of the node's value (from `checkOutput`), run in order. */
  readonly checks?: readonly OutputCheck[];
}

/** A node function: callable as the original, carrying its node options. */
export type NodeFunction<F extends (...args: never[]) => unknown> = F & { readonly [NODE_META]: NodeMeta };

type AnyFn = (...args: never[]) => unknown;

/** Read the node options of an exported value, if it is a function. */
export function nodeMetaOf(value: unknown): NodeMeta | undefined {
  if (typeof value !== "function") return undefined;
  const meta = (value as { [NODE_META]?: NodeMeta })[NODE_META];
  return meta ?? { fn: value as AnyFn, tags: {}, collect: [], parallelizable: false, conditions: [] };
}

function withMeta<F extends AnyFn>(fn: F, update: (meta: NodeMeta) => NodeMeta): NodeFunction<F> {
  if (typeof fn !== "function") throw new TypeError(`hamilton-ts: expected a function, got ${typeof fn}`);
  const base = nodeMetaOf(fn)!;
  const meta = update(base);
  const inner = meta.fn as (...args: unknown[]) => unknown;
  const wrapper = function (this: unknown, ...args: unknown[]) {
    return inner.apply(this, args);
  };
  Object.defineProperty(wrapper, "name", { value: inner.name });
  Object.defineProperty(wrapper, NODE_META, { value: meta, enumerable: false });
  return wrapper as unknown as NodeFunction<F>;
}

/**
 * The explicit node form, for code whose parameter names cannot be read (bundled
 * or minified) or that needs tags.
 *
 * @example
 * export const area = node((w: number, h: number) => w * h, { deps: ["width", "height"] });
 */
export function node<F extends AnyFn>(fn: F, options: NodeOptions = {}): NodeFunction<F> {
  return withMeta(fn, (meta) => ({
    ...meta,
    deps: options.deps ?? meta.deps,
    tags: { ...meta.tags, ...options.tags },
    collect: options.collect ?? meta.collect,
    parallelizable: options.parallelizable ?? meta.parallelizable,
    retry: options.retry ?? meta.retry,
    timeoutMs: options.timeoutMs ?? meta.timeoutMs,
    cache: options.cache ?? meta.cache,
    version: options.version ?? meta.version,
  }));
}

/**
 * Marks a function whose result (an array, Iterable or AsyncIterable; a generator
 * counts) starts one branch of the downstream nodes per item, up to a `collect`.
 *
 * @example
 * export const files = parallelizable(function* (dir: string) { yield* listFiles(dir); });
 */
export function parallelizable<A extends unknown[], T>(
  fn: (...args: A) => Parallelizable<T> | Promise<Parallelizable<T>>,
): NodeFunction<(...args: A) => Parallelizable<T> | Promise<Parallelizable<T>>> {
  return withMeta(fn as AnyFn, (meta) => ({ ...meta, parallelizable: true })) as never;
}

/**
 * Marks parameters that gather the values of every branch of a parallel block,
 * in item order. A function may collect several parameters.
 *
 * @example
 * export const total = collect("counted", (counted: number[]) => counted.reduce((a, b) => a + b, 0));
 */
export function collect<F extends AnyFn>(params: string | readonly string[], fn: F): NodeFunction<F> {
  const names = typeof params === "string" ? [params] : [...params];
  if (names.length === 0) throw new TypeError("hamilton-ts: collect() needs at least one parameter name");
  return withMeta(fn, (meta) => ({ ...meta, collect: [...new Set([...meta.collect, ...names])] }));
}

/**
 * The node exists only when the config matches. Export several variants as
 * `name__suffix`; exactly one must match, and it becomes node `name`.
 *
 * @example
 * export const model__fast = configWhen({ mode: "fast" }, () => "linear");
 * export const model__slow = configWhen((cfg) => cfg.mode !== "fast", () => "forest");
 */
export function configWhen<F extends AnyFn>(condition: ConfigCondition, fn: F): NodeFunction<F> {
  return withMeta(fn, (meta) => ({ ...meta, conditions: [...meta.conditions, condition] }));
}

/** Whether `config` satisfies a `configWhen` condition. */
export function conditionMatches(condition: ConfigCondition, config: Readonly<Record<string, unknown>>): boolean {
  if (typeof condition === "function") return condition(config) === true;
  return Object.entries(condition).every(([key, value]) => Object.is(config[key], value));
}

/** A short text describing a condition, for error messages. */
export function describeCondition(condition: ConfigCondition): string {
  if (typeof condition === "function") return `a predicate${condition.name ? ` (${condition.name})` : ""}`;
  return Object.entries(condition)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ");
}

import { GraphError, type ValidationResult } from "../errors.js";
import { getOwn } from "../execution/own-record.js";
import type { RetryPolicy } from "../execution/retryer.js";
import type { Binding } from "../modifiers/binding.js";
import type { ExtraTypes, OwnType, Retyped } from "./node-types.js";

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

/** Which nodes an `extractFields`/`extractColumns` adds, and how it takes them from the value. */
export interface Extraction {
  readonly kind: "fields" | "columns";
  readonly names: readonly string[];
  /** Given: a missing field or column gets this value instead of failing. */
  readonly fill?: { readonly value: unknown };
}

/** A check that applies to nodes named by `checkOutput({ target })` rather than to the function's own value. */
export interface TargetedCheck {
  readonly target: readonly string[];
  readonly check: OutputCheck;
}

/** What the kernel knows about a function once `node()` (or a shorthand or modifier) has wrapped it. */
export interface NodeMeta {
  /** The function the user wrote (modifiers keep it and describe what they add next to it). */
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
  /** Checks of other nodes the definition creates (`checkOutput({ target })`). */
  readonly targetedChecks?: readonly TargetedCheck[];
  /** From `parameterize`: node name → parameter → binding. The export key is then no node. */
  readonly parameterize?: Readonly<Record<string, Readonly<Record<string, Binding>>>>;
  /** From `extractFields` / `extractColumns`. */
  readonly extract?: Extraction;
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

/**
 * Wrap `fn` (a plain function or an earlier wrapper) with updated node options.
 * The wrapper calls the user's function, so a node stays callable in tests.
 */
export function withMeta<F extends AnyFn>(fn: F, update: (meta: NodeMeta) => NodeMeta): NodeFunction<F> {
  if (typeof fn !== "function") {
    throw new GraphError(`hamilton-ts: expected a function to define a node, got ${fn === null ? "null" : typeof fn}.`);
  }
  const base = nodeMetaOf(fn)!;
  const meta = update(base);
  const inner = meta.fn as (...args: unknown[]) => unknown;
  // named by its key (redefining `name` afterwards would turn the function into a slow, larger dictionary-mode object)
  const wrapper = {
    [inner.name]: function (this: unknown, ...args: unknown[]) {
      return inner.apply(this, args);
    },
  }[inner.name]!;
  Object.defineProperty(wrapper, NODE_META, { value: meta, enumerable: false });
  return wrapper as unknown as NodeFunction<F>;
}

/** A value as error messages show it: `the string "xy"`, `an array`, `null`, `a Date`. */
export function show(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (value === null || typeof value !== "object") return value === null ? "null" : typeof value;
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return Array.isArray(value) ? "an array" : ctor && ctor !== "Object" ? `a ${ctor}` : "an object";
}

/** An array of non-empty strings. */
export const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string" && x !== "");
/** A plain object of string values. */
export const isTags = (v: unknown): v is Record<string, string> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
const CACHE = ["default", "recompute", "disable", "ignore"];
// option -> [valid?, what it must be]
const OPTIONS: Record<string, [(v: unknown) => boolean, string]> = {
  deps: [isNames, 'an array of names, one per parameter: deps: ["a", "b"]'],
  collect: [isNames, 'an array of parameter names: collect: ["a"]'],
  tags: [isTags, 'an object of string values: tags: { owner: "growth" }'],
  parallelizable: [(v) => typeof v === "boolean", "true or false"],
  retry: [(v) => typeof v === "object" && v !== null, "an object such as { maxAttempts: 3 }"],
  timeoutMs: [(v) => typeof v === "number", "a number of milliseconds"],
  cache: [(v) => CACHE.includes(v as string), CACHE.map((c) => `"${c}"`).join(", ")],
  version: [(v) => typeof v === "string" && v !== "", "a non-empty string"],
};

/** Check one option of `node()` (or a modifier), naming where it was given. */
export function checkOption(where: string, key: string, value: unknown): void {
  const rule = Object.hasOwn(OPTIONS, key) ? OPTIONS[key] : undefined;
  if (!rule) throw new GraphError(`${where}: unknown option "${key}" (options: ${Object.keys(OPTIONS).join(", ")}).`);
  if (!rule[0](value)) throw new GraphError(`${where}: ${key} must be ${rule[1]}; got ${show(value)}${typeof value === "number" ? ` ${value}` : ""}.`);
}

function checkOptions(fn: unknown, options: unknown): NodeOptions {
  const where = `node(${typeof fn === "function" && fn.name ? fn.name : "fn"}, options)`;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new GraphError(`${where}: options must be an object such as { deps: ["a", "b"] }; got ${show(options)}.`);
  }
  for (const [k, v] of Object.entries(options)) if (v !== undefined) checkOption(where, k, v);
  // the values of retry and timeoutMs are checked at build, where the node has a name
  return options as NodeOptions;
}

/**
 * The explicit node form, for code whose parameter names cannot be read (bundled
 * or minified) or that needs tags.
 *
 * @example
 * export const area = node((w: number, h: number) => w * h, { deps: ["width", "height"] });
 */
export function node<F extends AnyFn>(fn: F, options: NodeOptions = {}): NodeFunction<F> {
  const o = checkOptions(fn, options);
  return withMeta(fn, (meta) => ({
    ...meta,
    deps: o.deps ? [...o.deps] : meta.deps,
    tags: { ...meta.tags, ...o.tags },
    collect: o.collect ? [...o.collect] : meta.collect,
    parallelizable: o.parallelizable ?? meta.parallelizable,
    retry: o.retry ?? meta.retry,
    timeoutMs: o.timeoutMs ?? meta.timeoutMs,
    cache: o.cache ?? meta.cache,
    version: o.version ?? meta.version,
  }));
}

/**
 * Marks a function whose result (an array, Iterable or AsyncIterable; a generator
 * counts) starts one branch of the downstream nodes per item, up to a `collect`.
 *
 * @example
 * export const files = parallelizable(function* (dir: string) { yield* [`${dir}/a.txt`, `${dir}/b.txt`]; });
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
  const names = typeof params === "string" ? [params] : params;
  if (!isNames(names) || names.length === 0) throw new GraphError(`collect(params, fn): params must be a parameter name or a non-empty list of them; got ${show(params)}.`);
  return withMeta(fn, (meta) => ({ ...meta, collect: [...new Set([...meta.collect, ...names])] }));
}

/**
 * The node exists only when the config matches. Export several variants as
 * `name__suffix`: the one that matches becomes node `name`. When none matches,
 * the node is absent (as in Hamilton): an input, an override or another module
 * may supply it; several matching is an error naming the variants.
 *
 * @example
 * export const model__fast = configWhen({ mode: "fast" }, () => "linear");
 * export const model__slow = configWhen((cfg) => cfg.mode !== "fast", () => "forest");
 */
export function configWhen<F extends AnyFn>(condition: ConfigCondition, fn: F): Retyped<F, OwnType<F>, ExtraTypes<F>, true> {
  if (typeof condition !== "function" && (typeof condition !== "object" || condition === null || Array.isArray(condition))) {
    throw new GraphError(`configWhen(condition, fn): condition must be an object of config values or a predicate; got ${show(condition)}.`);
  }
  return withMeta(fn, (meta) => ({ ...meta, conditions: [...meta.conditions, condition] })) as never;
}

/** Whether `config` satisfies a `configWhen` condition. */
export function conditionMatches(condition: ConfigCondition, config: Readonly<Record<string, unknown>>): boolean {
  if (typeof condition === "function") return condition(config) === true;
  // own properties only: a config without "constructor" does not match { constructor: Object }
  return Object.entries(condition).every(([key, value]) => Object.is(getOwn(config, key), value));
}

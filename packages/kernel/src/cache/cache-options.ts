import { GraphError } from "../errors.js";
import type { FunctionGraph, GraphNode } from "../graph/function-graph.js";
import type { CacheBehavior } from "../node/define.js";
import type { CacheStore } from "./cache-store.js";

/**
 * Options of `Builder.withCache(...)`. Node settings (`node(fn, { cache })`)
 * apply where these lists are silent; the lists win.
 *
 * @example
 * new Builder().withModules(pipeline).withCache({ store: new FileCacheStore(".hamilton-cache"), recompute: ["raw_data"] });
 */
export interface CacheOptions {
  /** Where results live (default: an `InMemoryCacheStore`, lost when the process exits). */
  readonly store?: CacheStore;
  /** Nodes that always run, then store their result; `true`: every node. */
  readonly recompute?: true | readonly string[];
  /** Nodes run as if there were no cache: not looked up, not stored; the nodes that read them miss. */
  readonly disable?: readonly string[];
  /** Nodes (or inputs) left out of their dependents' keys — clients, credentials, loggers. Not cached themselves. */
  readonly ignore?: readonly string[];
  /** Behaviour of nodes no list names and that set none themselves (default `"default"`). */
  readonly defaultBehavior?: "default" | "recompute" | "disable";
}

/** What the cache did for one node (or branch) of a run. */
export type CacheEventType = "hit" | "miss" | "stored" | "recompute" | "disabled" | "ignored" | "unhashable" | "store-error";

/**
 * One decision or outcome of the cache, as `dr.cache.logs()` lists them. A node
 * gets one decision (`hit`, `miss`, `recompute`, `disabled`, `ignored`,
 * `unhashable`), then `stored` or `store-error` when its result was written.
 */
export interface CacheEvent {
  readonly runId: string;
  readonly nodeName: string;
  /** The task the node ran in (a branch's task id names its item, e.g. `step[3]`). */
  readonly taskId: string;
  readonly type: CacheEventType;
  /** Why, in words: `"code changed"`, `"input spend changed"`, `"no entry"`, … */
  readonly reason: string;
  /** The node's cache key, when one was computed. */
  readonly key?: string;
  /** The data version of the node's value, when known. */
  readonly dataVersion?: string;
}

/** Options of `dr.cache.logs()`. */
export interface CacheLogsOptions {
  /** The run to list (default: the last run, `lastRunId`). */
  readonly runId?: string;
}

/** `dr.cache`: what the cache did in recent runs of a driver. */
export interface DriverCache {
  /** Every cache event of one run, in order (default: the last run). */
  logs(options?: CacheLogsOptions): readonly CacheEvent[];
  /** The id of the run that started last, if any. */
  readonly lastRunId: string | undefined;
  /** Ids of the runs whose logs are kept (the most recent 64), oldest first. */
  readonly runIds: readonly string[];
}

/** A node's behaviour and the setting it came from (for event reasons). */
export interface ResolvedBehavior {
  readonly behavior: CacheBehavior;
  /** Where the behaviour came from, e.g. `withCache({ disable })`; empty for the default. */
  readonly source: string;
}

const LISTS = ["recompute", "disable", "ignore"] as const;

/**
 * Check the builder's lists against the graph (unknown names, a node in two
 * lists) and resolve each node's behaviour: builder lists, then the node's own
 * setting, then `defaultBehavior`. Expanders always run: their items are keyed
 * one by one by the branches that read them.
 */
export function resolveBehaviors(options: CacheOptions, graph: FunctionGraph): ReadonlyMap<string, ResolvedBehavior> {
  const listed = new Map<string, (typeof LISTS)[number]>();
  const unknown: string[] = [];
  for (const list of LISTS) {
    const names = options[list];
    if (names === undefined || names === true) continue;
    if (!Array.isArray(names)) throw new GraphError(`withCache({ ${list} }) takes an array of node names${list === "recompute" ? " or true" : ""}.`);
    for (const name of names as readonly string[]) {
      const node = graph.get(name);
      if (!node || (node.isInput && list !== "ignore")) {
        unknown.push(`"${name}" (in ${list})`);
        continue;
      }
      const before = listed.get(name);
      if (before && before !== list) {
        throw new GraphError(`withCache() names node "${name}" in both ${before} and ${list}; give each node one behaviour.`);
      }
      listed.set(name, list);
    }
  }
  if (unknown.length > 0) {
    throw new GraphError(
      `withCache() names ${unknown.join(", ")}, which ${unknown.length > 1 ? "are not nodes" : "is not a node"} of this graph` +
        ` (ignore may also name inputs). Check the spelling, or remove ${unknown.length > 1 ? "them" : "it"}.`,
    );
  }
  const fallback = options.defaultBehavior ?? "default";
  if (!["default", "recompute", "disable"].includes(fallback)) {
    throw new GraphError(`withCache({ defaultBehavior }) must be "default", "recompute" or "disable", got ${JSON.stringify(fallback)}.`);
  }
  const out = new Map<string, ResolvedBehavior>();
  for (const node of graph.nodes.values()) out.set(node.name, resolveOne(node, listed.get(node.name), options, fallback));
  return out;
}

function resolveOne(node: GraphNode, list: (typeof LISTS)[number] | undefined, options: CacheOptions, fallback: CacheBehavior): ResolvedBehavior {
  if (node.isExpander) return { behavior: "recompute", source: "expanders always run" };
  if (list) return { behavior: list, source: `withCache({ ${list} })` };
  if (options.recompute === true) return { behavior: "recompute", source: "withCache({ recompute: true })" };
  const own = node.spec?.cache;
  if (own !== undefined) return { behavior: own, source: `node option cache: "${own}"` };
  return { behavior: fallback, source: fallback === "default" ? "" : `withCache({ defaultBehavior: "${fallback}" })` };
}

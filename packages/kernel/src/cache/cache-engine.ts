// The cache engine: keys, lookups, stores and the decision log, independent of
// how a run is scheduled. The driver talks to it through a narrow API:
//
//   const engine = new CacheEngine(graph, options);    // once per Driver (dr.cache)
//   const run = engine.beginRun(runId, { signal });    // once per execute()
//   // for each task, when it becomes ready and before it takes an executor slot:
//   const plan = await run.planTask({ taskId, path, nodes, inputs });
//   //   plan.hits:   values of nodes that are hits (decoded, verified)
//   //   plan.run:    the nodes that must still run (empty: do not submit the task)
//   //   plan.record: the nodes whose values recordTask needs (add them to the task's outputs)
//   // run plan.run with inputs ∪ plan.hits, then, before its dependents are planned:
//   run.recordTask(plan, values);                      // synchronous snapshot; stores in the background
//   // or, if the task failed: run.taskFailed(plan);
//   await run.finish();                                // every store written, claims released
//
// Keys are node name + code version + the data versions of the values the node
// received (see cache-keys.ts, fingerprint.ts). Lookups and stores happen here,
// in the driver, whatever executor runs the task: workers never see the store.
// Two runs that need the same key at once compute it once (single flight).

import type { FunctionGraph } from "../graph/function-graph.js";
import type { KeyParts } from "./cache-keys.js";
import { resolveBehaviors, type CacheEvent, type CacheLogsOptions, type CacheOptions, type DriverCache, type ResolvedBehavior } from "./cache-options.js";
import { InMemoryCacheStore, type CacheEntry, type CacheStore } from "./cache-store.js";
import type { Claim } from "./key-claims.js";
import { RunCache, type RunCacheOptions } from "./run-cache.js";

export type { Claim } from "./key-claims.js";

const KEPT_RUNS = 64;
const KEPT_EXPLANATIONS = 100_000;
const NOT_CACHED: ResolvedBehavior = { behavior: "default", source: "" };

/**
 * The cache of one Driver: resolves each node's behaviour once, hands out a
 * `RunCache` per run, keeps the decision logs of recent runs, and coordinates
 * runs that compute the same key at the same time.
 */
export class CacheEngine implements DriverCache {
  readonly store: CacheStore;
  private readonly behaviors: ReadonlyMap<string, ResolvedBehavior>;
  private readonly runLogs = new Map<string, CacheEvent[]>();
  /** @internal keys being computed, by key */
  readonly inflight = new Map<string, Claim>();
  /** @internal the store's synchronous read, when it has one that agrees with its get() */
  readonly getSync: ((key: string) => CacheEntry | undefined) | undefined;
  /** @internal keys of the sync store whose entry was read and matched its data version (bounded) */
  readonly verified = new Set<string>();
  /** @internal the last key parts seen per node (and branch), to explain the next miss */
  readonly explained = new Map<string, KeyParts>();

  /** @throws GraphError when the options name unknown nodes or give a node two behaviours. */
  constructor(graph: FunctionGraph, options: CacheOptions = {}) {
    this.store = options.store ?? new InMemoryCacheStore();
    if (this.store.specificationVersion !== "v1") {
      throw new TypeError(`withCache({ store }): the store declares specificationVersion ${JSON.stringify(this.store.specificationVersion)}; this kernel implements "v1".`);
    }
    this.behaviors = resolveBehaviors(options, graph);
    const store = this.store;
    // a subclass that overrides get() (and not getSync) must be read through its get()
    const own = !(store instanceof InMemoryCacheStore) || store.get === InMemoryCacheStore.prototype.get;
    this.getSync = typeof store.getSync === "function" && own ? store.getSync.bind(store) : undefined;
  }

  /** The behaviour of a node or input (inputs are only ever `ignore`d or keyed by value). */
  behaviorOf(name: string): ResolvedBehavior {
    return this.behaviors.get(name) ?? NOT_CACHED;
  }

  /** Start the cache's part of one run. */
  beginRun(runId: string, options: RunCacheOptions = {}): RunCache {
    if (this.runLogs.has(runId)) throw new Error(`hamilton-ts: cache run "${runId}" was already started.`);
    const log: CacheEvent[] = [];
    this.runLogs.set(runId, log);
    if (this.runLogs.size > KEPT_RUNS) this.runLogs.delete(this.runLogs.keys().next().value as string);
    return new RunCache(this, runId, log, options);
  }

  /** @internal remember a node's key parts, bounded */
  remember(where: string, parts: KeyParts): void {
    this.explained.delete(where);
    this.explained.set(where, parts);
    if (this.explained.size > KEPT_EXPLANATIONS) this.explained.delete(this.explained.keys().next().value as string);
  }

  /** @internal */
  markVerified(key: string): void {
    if (this.verified.size >= KEPT_EXPLANATIONS) this.verified.clear();
    this.verified.add(key);
  }

  logs(options: CacheLogsOptions = {}): readonly CacheEvent[] {
    const runId = options.runId ?? this.lastRunId;
    return runId === undefined ? [] : [...(this.runLogs.get(runId) ?? [])];
  }

  /**
   * Per node, how many of its runs in `runId` (one per branch in a block) the
   * cache answered: what `visualizeExecution({ cacheRunId })` colours.
   */
  hitCounts(runId: string): Map<string, { hits: number; of: number }> {
    const out = new Map<string, { hits: number; of: number }>();
    for (const e of this.runLogs.get(runId) ?? []) {
      // one decision per node run: a hit, or what made it run
      if (e.type === "stored" || e.type === "store-error") continue;
      let c = out.get(e.nodeName);
      if (!c) out.set(e.nodeName, (c = { hits: 0, of: 0 }));
      c.of++;
      if (e.type === "hit") c.hits++;
    }
    return out;
  }

  get lastRunId(): string | undefined {
    let last: string | undefined;
    for (const id of this.runLogs.keys()) last = id;
    return last;
  }

  get runIds(): readonly string[] {
    return [...this.runLogs.keys()];
  }
}

// @hamilton-ts/kernel/cache — the cache engine, for drivers and tools that run
// graphs: keys, lookups, stores and the decision log of `Builder.withCache()`.
// Pipeline authors use `withCache()`; plugin authors register fingerprinters
// and write stores through `@hamilton-ts/kernel/contracts`. A separate entry
// keeps the engine out of the main entry's browser bundle.

export { CacheEngine } from "./cache/cache-engine.js";
export type { Claim } from "./cache/cache-engine.js";
export { RunCache } from "./cache/run-cache.js";
export type { CacheTask, CacheTaskPlan, RunCacheOptions } from "./cache/run-cache.js";
export { resolveBehaviors } from "./cache/cache-options.js";
export type { ResolvedBehavior } from "./cache/cache-options.js";
export { codeVersionOf, parameterDefaultsOf } from "./cache/code-version.js";
export type { ParameterDefault } from "./cache/code-version.js";
export { fingerprint, isUnhashable } from "./cache/fingerprint.js";
export type { DataVersion, Unhashable } from "./cache/fingerprint.js";

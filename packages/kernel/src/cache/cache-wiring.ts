// What `Builder.withCache()` loads on demand (a dynamic import), so a driver
// without a cache, and the main entry's browser bundle, carry none of it.
export { CacheEngine } from "./cache-engine.js";
export { CachedTasks } from "../execution/cached-tasks.js";

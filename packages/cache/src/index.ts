// @hamilton-ts/cache — where `Builder.withCache()` keeps results between runs
// and processes. The cache itself (keys, fingerprints, decisions) is in the kernel.

export { FileCacheStore } from "./file-cache-store.js";

// @hamilton-ts/kernel — for pipeline authors: define nodes, build a driver, run it.
// Plugin authors: `@hamilton-ts/kernel/contracts`; executor transports:
// `@hamilton-ts/kernel/remote`.

// Defining nodes
export { node, parallelizable, collect, configWhen } from "./node/define.js";
export type { Parallelizable, Collect, NodeOptions, NodeFunction, ConfigCondition, CacheBehavior } from "./node/define.js";
export type { RetryPolicy } from "./execution/retryer.js";

// Driver and Builder
export { Driver } from "./driver/driver.js";
export type { ExecuteOptions, Variable, DriverOptions } from "./driver/driver.js";
export { Builder } from "./driver/builder.js";
export type { DynamicExecutionOptions } from "./driver/builder.js";

// Caching (Builder.withCache, dr.cache); stores and fingerprinters: @hamilton-ts/kernel/contracts
export type { CacheOptions, CacheEvent, CacheEventType, CacheLogsOptions, DriverCache } from "./cache/cache-options.js";

// Results and adapters
export { DictResult } from "./results/result-mixin.js";
export { SimpleGraphAdapter, DefaultAdapter } from "./results/graph-adapter.js";

// Grouping and executors that run in this thread
export { GroupByRepeatableBlocks, GroupNodesIndividually, GroupNodesAllAsOne, GroupNodesByLevel } from "./grouping/grouping-strategy.js";
export { SynchronousLocalTaskExecutor, ConcurrentLocalTaskExecutor } from "./executors/local-executors.js";
export type { ConcurrentLocalTaskExecutorOptions } from "./executors/local-executors.js";
export { DefaultExecutionManager } from "./executors/execution-manager.js";

// Errors
export {
  HamiltonError,
  GraphError,
  InputValidationError,
  NodeExecutionError,
  SerializationError,
  AbortError,
  TimeoutError,
  ExecutorError,
  UnsupportedSpecificationVersionError,
  DataValidationError,
} from "./errors.js";
export type { ExecutorFailureReason, ValidationResult } from "./errors.js";

// @hamilton-ts/kernel — for pipeline authors: define nodes, build a driver, run it.
// Plugin authors: `@hamilton-ts/kernel/contracts`; executor transports:
// `@hamilton-ts/kernel/remote`.

// Defining nodes
export { node, parallelizable, collect, configWhen } from "./node/define.js";
export type { Parallelizable, Collect, NodeOptions, NodeFunction, ConfigCondition, CacheBehavior } from "./node/define.js";
export type { RetryPolicy } from "./execution/retryer.js";

// Function modifiers (Hamilton's decorators)
export { parameterize } from "./modifiers/parameterize.js";
export type { ParameterizeSpec } from "./modifiers/parameterize.js";
export { value, source } from "./modifiers/binding.js";
export type { Binding, ValueBinding, SourceBinding } from "./modifiers/binding.js";
export { extractFields, extractColumns } from "./modifiers/extract.js";
export type { ExtractOptions, FieldTypes } from "./modifiers/extract.js";
export { checkOutput } from "./modifiers/check-output.js";
export type { CheckOutputOptions, ValidatorOutcome } from "./modifiers/check-output.js";
export { numberSchema } from "./modifiers/number-schema.js";
export type { NumberSchemaOptions } from "./modifiers/number-schema.js";
export type { StandardSchemaV1 } from "./modifiers/standard-schema.js";
export { tag } from "./modifiers/tag.js";
export { DISABLE_CHECKS_CONFIG_KEY } from "./modifiers/expand.js";

// Driver and Builder
export { Driver } from "./driver/driver.js";
export type { ExecuteOptions, VisualizeOptions, Variable, DriverOptions } from "./driver/driver.js";
export { Builder } from "./driver/builder.js";
export type { DynamicExecutionOptions } from "./driver/builder.js";
export type { NodeTypesOf, OutputsOf, ExecuteResult, ResultOf } from "./driver/typed-results.js";

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

// @hamilton-ts/kernel/contracts — what plugin authors implement: executors,
// graph adapters, result builders, lifecycle hooks, codecs, grouping
// strategies. Each contract declares `specificationVersion: "v1"`.

export { SPECIFICATION_VERSION, SUPPORTED_SPECIFICATION_VERSIONS, checkSpecificationVersion } from "./contracts/specification.js";

// Executors
export type { Task, TaskExecutor, TaskSink, TaskItems, TaskPurpose, ExecutorContext, NodeEvent } from "./executors/task-executor.js";
export type { ExecutionManager, TaskDescription } from "./executors/execution-manager.js";

// Results and adapters
export { ResultMixin, isResultBuilder } from "./results/result-mixin.js";
export type { ResultBuilder } from "./results/result-mixin.js";
export { HamiltonGraphAdapter, isGraphAdapter } from "./results/graph-adapter.js";
export type { NodeCall } from "./results/graph-adapter.js";
export { ResultColumns } from "./results/result-columns.js";
export type { ResultColumn, ResultColumnsOptions } from "./results/result-columns.js";

// Lifecycle hooks
export type {
  LifecycleAdapter,
  PreGraphExecuteArgs,
  PostGraphExecuteArgs,
  PostTaskGroupingArgs,
  PostTaskExpansionArgs,
  TaskGroupInfo,
  PreTaskExecuteArgs,
  PostTaskExecuteArgs,
  PreNodeExecuteArgs,
  PostNodeExecuteArgs,
  DoNodeExecuteArgs,
  DoBuildResultArgs,
} from "./lifecycle/lifecycle-adapter.js";

// Grouping
export type { GroupingStrategy, GroupingNode } from "./grouping/grouping-strategy.js";

// Codecs: how values of a plugin's types cross a boundary
export { registerCodec, getCodec, listCodecs } from "./codec/codec-registry.js";
export type { Codec, EncodedValue } from "./codec/codec-registry.js";

// Caching: fingerprints of plugin types, and where results live
export { registerFingerprint, listFingerprinters } from "./cache/fingerprint-registry.js";
export type { Fingerprinter } from "./cache/fingerprint-registry.js";
export { fingerprint, isUnhashable } from "./cache/fingerprint.js";
export type { DataVersion, Unhashable } from "./cache/fingerprint.js";
export { InMemoryCacheStore } from "./cache/cache-store.js";
export type { CacheStore, CacheEntry, InMemoryCacheStoreOptions } from "./cache/cache-store.js";

// Reading node definitions (for wrappers and tools)
export { nodeMetaOf, NODE_META } from "./node/define.js";
export type { NodeMeta, OutputCheck } from "./node/define.js";
export { parseParameters } from "./node/parse-params.js";
export type { ParsedParameter, ParameterContext } from "./node/parse-params.js";
export type { NodeTypes, NodeTypeInfo, TypeInfoOf } from "./node/node-types.js";

// Function modifiers: how extractColumns reads a table type, checks as values
export { registerColumnAccess } from "./modifiers/column-access.js";
export type { ColumnAccess } from "./modifiers/column-access.js";
export { outputCheckOf } from "./modifiers/check-output.js";
export { nodesFromModules } from "./node/from-modules.js";
export type { ModuleSource, NodeSpec } from "./node/from-modules.js";
export { FunctionGraph } from "./graph/function-graph.js";
export type { GraphNode } from "./graph/function-graph.js";
export type { Frame } from "./graph/frames.js";
export { toDot } from "./graph/visualize.js";
export type { DotOptions } from "./graph/visualize.js";
export { ERROR_CLASSES } from "./errors.js";
export { abortErrorFrom } from "./errors.js";

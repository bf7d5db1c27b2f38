// Defining nodes
export { node, parallelizable, collect, configWhen, nodeMetaOf, NODE_META } from "./node/define.js";
export type { Parallelizable, Collect, NodeOptions, NodeMeta, NodeFunction, ConfigCondition } from "./node/define.js";
export { parseParameters } from "./node/parse-params.js";
export type { ParsedParameter } from "./node/parse-params.js";
export { nodesFromModules } from "./node/from-modules.js";
export type { ModuleSource, NodeSpec } from "./node/from-modules.js";

// Graph
export { FunctionGraph } from "./graph/function-graph.js";
export type { GraphNode } from "./graph/function-graph.js";
export type { Frame } from "./graph/frames.js";
export { toDot } from "./graph/visualize.js";
export type { DotOptions } from "./graph/visualize.js";

// Driver and Builder
export { Driver } from "./driver/driver.js";
export type { ExecuteOptions, Variable, DriverOptions } from "./driver/driver.js";
export { Builder } from "./driver/builder.js";
export type { DynamicExecutionOptions } from "./driver/builder.js";

// Results and adapters
export { ResultMixin, DictResult, isResultBuilder } from "./results/result-mixin.js";
export type { ResultBuilder } from "./results/result-mixin.js";
export { ResultColumns } from "./results/result-columns.js";
export type { ResultColumn, ResultColumnsOptions } from "./results/result-columns.js";
export { HamiltonGraphAdapter, SimpleGraphAdapter, DefaultAdapter, isGraphAdapter } from "./results/graph-adapter.js";
export type { NodeCall } from "./results/graph-adapter.js";
export type {
  LifecycleAdapter,
  PreGraphExecuteArgs,
  PostGraphExecuteArgs,
  PreTaskExecuteArgs,
  PostTaskExecuteArgs,
  PreNodeExecuteArgs,
  PostNodeExecuteArgs,
  DoNodeExecuteArgs,
  DoBuildResultArgs,
} from "./results/lifecycle.js";

// Grouping
export { GroupByRepeatableBlocks, GroupNodesIndividually, GroupNodesAllAsOne, GroupNodesByLevel } from "./grouping/grouping-strategy.js";
export type { GroupingStrategy, GroupingNode } from "./grouping/grouping-strategy.js";

// Executors
export { SynchronousLocalTaskExecutor, ConcurrentLocalTaskExecutor } from "./executors/local-executors.js";
export type { ConcurrentLocalTaskExecutorOptions } from "./executors/local-executors.js";
export { DefaultExecutionManager } from "./executors/execution-manager.js";
export type { ExecutionManager, TaskDescription } from "./executors/execution-manager.js";
export type { Task, TaskExecutor, ExecutorContext, NodeEvent } from "./executors/task-executor.js";

// Crossing boundaries
export {
  registerCodec,
  getCodec,
  listCodecs,
  encodeValue,
  decodeValue,
  decodeValueAsync,
  missingCodecModules,
  loadCodecModules,
  serializeError,
  deserializeError,
  WIRE_KEY,
} from "./codec/codec-registry.js";
export type { Codec, EncodedValue, EncodeOptions, WireEnvelope, SerializedError, ModuleImporter } from "./codec/codec-registry.js";
export { TaskRunner } from "./remote/task-runner.js";
export type { RemoteTaskRequest, TaskRunnerOptions } from "./remote/task-runner.js";
export { toModuleUrl, loadModules } from "./remote/module-location.js";
export type { ModuleLocation, ModuleNamespace } from "./remote/module-location.js";

// Errors
export {
  HamiltonError,
  GraphError,
  InputValidationError,
  NodeExecutionError,
  SerializationError,
  AbortError,
  abortErrorFrom,
} from "./errors.js";
export {
  encodeTaskRequest,
  decodeTaskResult,
  errorFromWire,
  reportWireNodeEvent,
  cachedTaskRunner,
  workerSetupOf,
  runWireTask,
  failureFor,
} from "./remote/protocol.js";
export type { WireTaskRequest, WireTaskResult, WireNodeEvent, WorkerSetup } from "./remote/protocol.js";
export { encodeTaskInputs, packTaskBatch, unpackTaskBatch } from "./remote/task-batch.js";
export type { EncodedInputs, FlatTask, WireTaskShape, WireTaskBatch } from "./remote/task-batch.js";

// @hamilton-ts/kernel/remote — for executors that run tasks elsewhere (threads,
// processes, machines): the wire protocol, the worker-side TaskRunner, module
// locations and value encoding.

// Values that cross
export { encodeValue, MAX_DEPTH } from "./codec/encode-value.js";
export type { EncodeOptions, WireEnvelope } from "./codec/encode-value.js";
export { decodeValue, missingCodecs, missingCodecModules } from "./codec/decode-value.js";
export type { DecodeOptions, NeededCodec } from "./codec/decode-value.js";
export { WIRE_KEY, isEnvelope } from "./codec/wire-format.js";
export { serializeError, deserializeError, deserializeThrown } from "./codec/error-data.js";
export type { SerializedError, SerializedErrorRecord } from "./codec/error-data.js";
export { CodecModules, decodeValueAsync, loadCodecModules } from "./remote/codec-modules.js";
export type { CodecModulesOptions, DecodeAsyncOptions } from "./remote/codec-modules.js";
export { importerNear } from "./remote/module-importer.js";
export type { ModuleImporter } from "./remote/module-importer.js";

// The worker side
export { TaskRunner } from "./remote/task-runner.js";
export type { RemoteTaskRequest, TaskRunnerOptions, RunTaskOptions } from "./remote/task-runner.js";
export { toModuleUrl, loadModules } from "./remote/module-location.js";
export type { ModuleLocation, ModuleNamespace } from "./remote/module-location.js";

// The wire protocol
export {
  encodeTaskRequest,
  decodeTaskResult,
  reportWireNodeEvent,
  nodeEventFromWire,
  nodeEventToWire,
  cachedTaskRunner,
  workerSetupOf,
  runWireTask,
} from "./remote/protocol.js";
export type { WireTaskRequest, WireTaskResult, WireNodeEvent, WorkerSetup, RunWireTaskOptions } from "./remote/protocol.js";
export { failureFor, errorFromWire, executorFailure, taskNodeName } from "./remote/task-failure.js";
export type { WireTaskFailure } from "./remote/task-failure.js";
export { encodeTaskInputs, packTaskBatch, unpackTaskBatch } from "./remote/task-batch.js";
export type { EncodedInputs, FlatTask, WireTaskShape, WireTaskBatch } from "./remote/task-batch.js";

// The worker pool every pooled executor is built on, its transport contract,
// the message envelope, and the worker side's shared loop.
export { TaskPool } from "./remote/pool/task-pool.js";
export type { TaskPoolOptions } from "./remote/pool/task-pool.js";
export type { PoolTransport, PoolWorker, WorkerEvents, WorkerExit, WorkerPosition, StopReason } from "./remote/pool/pool-transport.js";
export { WorkerLoop } from "./remote/worker-loop.js";
export type { WorkerLoopOptions } from "./remote/worker-loop.js";
export type {
  ToWorker,
  FromWorker,
  SetupMessage,
  BatchMessage,
  ReadyMessage,
  StartedMessage,
  ResultsMessage,
  PackedEvents,
  WireFailure,
} from "./remote/worker-envelope.js";

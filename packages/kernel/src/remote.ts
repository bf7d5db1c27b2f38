// @hamilton-ts/kernel/remote — for executors that run tasks elsewhere (threads,
// processes, machines): the wire protocol, the worker-side TaskRunner, module
// locations and value encoding.

export {
  encodeValue,
  decodeValue,
  decodeValueAsync,
  missingCodecModules,
  loadCodecModules,
  serializeError,
  deserializeError,
  WIRE_KEY,
} from "./codec/codec-registry.js";
export type { EncodeOptions, WireEnvelope, SerializedError, ModuleImporter } from "./codec/codec-registry.js";
export { TaskRunner } from "./remote/task-runner.js";
export type { RemoteTaskRequest, TaskRunnerOptions } from "./remote/task-runner.js";
export { toModuleUrl, loadModules } from "./remote/module-location.js";
export type { ModuleLocation, ModuleNamespace } from "./remote/module-location.js";
export {
  encodeTaskRequest,
  decodeTaskResult,
  errorFromWire,
  reportWireNodeEvent,
  nodeEventFromWire,
  nodeEventToWire,
  cachedTaskRunner,
  workerSetupOf,
  runWireTask,
  failureFor,
} from "./remote/protocol.js";
export type { WireTaskRequest, WireTaskResult, WireNodeEvent, WorkerSetup } from "./remote/protocol.js";
export { encodeTaskInputs, packTaskBatch, unpackTaskBatch } from "./remote/task-batch.js";
export type { EncodedInputs, FlatTask, WireTaskShape, WireTaskBatch } from "./remote/task-batch.js";

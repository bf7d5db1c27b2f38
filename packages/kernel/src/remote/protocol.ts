import { HamiltonError, NodeExecutionError, SerializationError, type ValidationResult } from "../errors.js";
import { decodeValue, decodeValueAsync, deserializeError, encodeValue, missingCodecModules, serializeError, type SerializedError } from "../codec/codec-registry.js";
import type { ExecutorContext, NodeEvent, Task } from "../executors/task-executor.js";
import { locationRequiredError } from "./module-location.js";
import { encodeTaskInputs } from "./task-batch.js";
import { TaskRunner, type TaskRunnerOptions } from "./task-runner.js";

/**
 * A task on the wire, from driver to worker. Everything is structured-cloneable
 * (and v8-serializable); values went through the codec registry.
 */
export interface WireTaskRequest {
  readonly runId: string;
  readonly taskId: string;
  readonly nodes: readonly string[];
  readonly inputs: unknown;
  readonly outputs: readonly string[];
  readonly expanders: readonly string[];
  readonly graphFingerprint: string;
}

/** A task's outcome on the wire, from worker to driver. */
export type WireTaskResult =
  | { readonly ok: true; readonly taskId: string; readonly outputs: unknown }
  | { readonly ok: false; readonly taskId: string; readonly nodeName: string | undefined; readonly error: SerializedError; readonly kind: string };

/** A node event on the wire (its error serialized). */
export interface WireNodeEvent {
  readonly taskId: string;
  readonly type: "pre" | "post" | "validation";
  readonly nodeName: string;
  readonly success?: boolean;
  readonly error?: SerializedError;
  readonly durationMs?: number;
  /** For `validation` events: the node's checkOutput results (plain data). */
  readonly results?: readonly ValidationResult[];
}

/** A wire node event as the kernel's NodeEvent (its error rebuilt). */
export function nodeEventFromWire(event: WireNodeEvent): NodeEvent {
  if (event.type === "pre") return { type: "pre", nodeName: event.nodeName };
  if (event.type === "validation") return { type: "validation", nodeName: event.nodeName, results: event.results ?? [] };
  return {
    type: "post",
    nodeName: event.nodeName,
    success: event.success,
    error: event.error ? deserializeError(event.error) : undefined,
    durationMs: event.durationMs,
  };
}

/** A NodeEvent as plain data for the wire. */
export function nodeEventToWire(taskId: string, e: NodeEvent): WireNodeEvent {
  if (e.type === "pre") return { taskId, type: "pre", nodeName: e.nodeName };
  if (e.type === "validation") return { taskId, type: "validation", nodeName: e.nodeName, results: e.results };
  return {
    taskId,
    type: "post",
    nodeName: e.nodeName,
    success: e.success,
    durationMs: e.durationMs,
    ...(e.error !== undefined ? { error: serializeError(e.error) } : {}),
  };
}

/**
 * Driver side: turn a task into a wire request. Inputs are not transferred: the
 * driver may still need them for other tasks.
 */
export function encodeTaskRequest(task: Task, graphFingerprint: string): WireTaskRequest {
  const { inputNames, values } = encodeTaskInputs(task);
  const inputs: Record<string, unknown> = {};
  for (let k = 0; k < inputNames.length; k++) inputs[inputNames[k]!] = values[k];
  return {
    runId: task.runId,
    taskId: task.taskId,
    nodes: task.nodes,
    inputs,
    outputs: task.outputs,
    expanders: task.expanders,
    graphFingerprint,
  };
}

/** Driver side: turn a wire result back into outputs, or throw the node's error with its original stack. */
export async function decodeTaskResult(result: WireTaskResult): Promise<Record<string, unknown>> {
  if (result.ok) {
    const outputs = result.outputs;
    return (missingCodecModules(outputs).length > 0 ? await decodeValueAsync(outputs) : decodeValue(outputs)) as Record<string, unknown>;
  }
  throw errorFromWire(result);
}

/** Rebuild the error of a failed wire result. */
export function errorFromWire(result: Extract<WireTaskResult, { ok: false }>): Error {
  const cause = deserializeError(result.error);
  if (result.kind === "NodeExecutionError" && result.nodeName) return new NodeExecutionError(result.nodeName, result.taskId, cause);
  if (result.kind === "SerializationError") return new SerializationError(cause.message, result.nodeName, { cause });
  return new NodeExecutionError(result.nodeName ?? "(task)", result.taskId, cause);
}

/** Driver side: forward a worker's node event to the task's hooks. */
export function reportWireNodeEvent(task: Task, event: WireNodeEvent): void {
  task.reportNodeEvent(nodeEventFromWire(event));
}

/**
 * What a worker needs to build the driver's graph, as plain data: module URLs,
 * config, module overrides and the codec modules to preload. It is what
 * `cachedTaskRunner` takes, less the worker's own importer.
 */
export interface WorkerSetup {
  readonly modules: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly allowModuleOverrides: boolean;
  readonly codecModules: readonly string[];
}

/**
 * Driver side: the worker setup of a run. A module given as a namespace object
 * is the same clear error `build()` gives (workers import modules by location).
 */
export function workerSetupOf(context: ExecutorContext): WorkerSetup {
  const modules = context.modules.map((m) => {
    if (m.location === undefined) throw locationRequiredError(m);
    return m.location;
  });
  return { modules, config: context.config, allowModuleOverrides: context.allowModuleOverrides, codecModules: context.codecModules ?? [] };
}

const runners = new Map<string, Promise<TaskRunner>>();

/** Worker side: one TaskRunner per (modules, config), built once and reused across tasks and runs. */
export function cachedTaskRunner(options: TaskRunnerOptions): Promise<TaskRunner> {
  const key = JSON.stringify([options.modules.map(String), options.config ?? {}, options.allowModuleOverrides ?? false, options.codecModules ?? []]);
  let r = runners.get(key);
  if (!r) {
    r = TaskRunner.create(options);
    r.catch(() => runners.delete(key));
    runners.set(key, r);
  }
  return r;
}

/**
 * Worker side: decode a wire request, run it, and encode the outcome. Output
 * buffers are listed for transfer (the worker no longer needs them). Never
 * throws: every failure becomes a `{ ok: false }` result naming the node.
 */
export async function runWireTask(
  runner: TaskRunner,
  req: WireTaskRequest,
  onNodeEvent?: (event: WireNodeEvent) => void,
): Promise<{ result: WireTaskResult; transfer: ArrayBuffer[] }> {
  try {
    const inputs = (missingCodecModules(req.inputs).length > 0 ? await decodeValueAsync(req.inputs, runner.importModule) : decodeValue(req.inputs)) as Record<string, unknown>;
    const forward = onNodeEvent ? (e: NodeEvent) => onNodeEvent(nodeEventToWire(req.taskId, e)) : undefined;
    const outputs = await runner.run({ ...req, inputs }, forward);
    const encoded: Record<string, unknown> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of req.outputs) {
      const env = encodeValue(outputs[name], { nodeName: name, transfer: true });
      encoded[name] = env.value;
      for (const b of env.transfer) if (!transfer.includes(b)) transfer.push(b);
    }
    return { result: { ok: true, taskId: req.taskId, outputs: encoded }, transfer };
  } catch (error) {
    return { result: failureFor(req.taskId, error), transfer: [] };
  }
}

/** Encode any error raised while running a task as a wire failure. */
export function failureFor(taskId: string, error: unknown): Extract<WireTaskResult, { ok: false }> {
  if (NodeExecutionError.isInstance(error)) {
    return { ok: false, taskId, nodeName: error.nodeName, kind: "NodeExecutionError", error: serializeError(error.cause) };
  }
  if (SerializationError.isInstance(error)) {
    return { ok: false, taskId, nodeName: error.nodeName, kind: "SerializationError", error: serializeError(error) };
  }
  return { ok: false, taskId, nodeName: undefined, kind: HamiltonError.isInstance(error) ? error.name : "Error", error: serializeError(error) };
}

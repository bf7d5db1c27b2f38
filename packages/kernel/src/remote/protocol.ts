import { SerializationError, type ValidationResult } from "../errors.js";
import { decodeValue } from "../codec/decode-value.js";
import { encodeValue, MISSING_CODEC, type WireEnvelope } from "../codec/encode-value.js";
import { deserializeThrown, serializeError, type SerializedError } from "../codec/error-data.js";
import { defineOwn, isEnvelope } from "../codec/wire-format.js";
import type { ExecutorContext, NodeEvent, Task } from "../executors/task-executor.js";
import { CodecModules, type CodecModulesOptions } from "./codec-modules.js";
import { locationRequiredError } from "./module-location.js";
import { encodeTaskInputs } from "./task-batch.js";
import { errorFromWire, failureFor, type WireTaskFailure } from "./task-failure.js";
import { TaskRunner, type TaskRunnerOptions } from "./task-runner.js";

/**
 * A task on the wire, from driver to worker. Everything is structured-cloneable
 * (and v8-serializable); values went through the codec registry.
 */
export interface WireTaskRequest {
  readonly runId: string;
  readonly taskId: string;
  readonly nodes: readonly string[];
  /** Input name → encoded value. */
  readonly inputs: unknown;
  readonly outputs: readonly string[];
  readonly expanders: readonly string[];
  readonly graphFingerprint: string;
}

/** A task's outcome on the wire, from worker to driver. */
export type WireTaskResult = { readonly ok: true; readonly taskId: string; readonly outputs: unknown } | WireTaskFailure;

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

/** A wire node event as the kernel's NodeEvent (its error rebuilt: what the node threw, as in the calling thread). */
export function nodeEventFromWire(event: WireNodeEvent): NodeEvent {
  if (event.type === "pre") return { type: "pre", nodeName: event.nodeName };
  if (event.type === "validation") return { type: "validation", nodeName: event.nodeName, results: event.results ?? [] };
  return {
    type: "post",
    nodeName: event.nodeName,
    success: event.success,
    error: event.error ? deserializeThrown(event.error) : undefined,
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
 * driver may still need them for other tasks. Pass `sharedMemory: false` when it
 * goes to another process or machine (a SharedArrayBuffer is then refused here).
 */
export function encodeTaskRequest(task: Task, graphFingerprint: string, options: { readonly sharedMemory?: boolean } = {}): WireTaskRequest {
  const { inputNames, values } = encodeTaskInputs(task, options);
  const inputs: Record<string, unknown> = {};
  for (let k = 0; k < inputNames.length; k++) defineOwn(inputs, inputNames[k]!, values[k]);
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

/**
 * Decode a record of encoded values (a task's inputs or outputs), one value
 * per name, importing the allowed codec modules a value needs first.
 */
async function decodeRecord(raw: unknown, codecs: CodecModules): Promise<Record<string, unknown>> {
  if (typeof raw !== "object" || raw === null) throw new SerializationError("A task's values arrived as something other than a record of values by name.");
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(raw)) {
    const wire = (raw as Record<string, unknown>)[name];
    const options = { nodeName: name, single: true };
    defineOwn(out, name, isEnvelope(wire) && codecs.needsImport(wire) ? await codecs.decode(wire, options) : decodeValue(wire, options));
  }
  return out;
}

/**
 * Driver side: turn a wire result back into outputs, or throw the node's error
 * with its class and original stack. A codec a value needs is imported only
 * from the allow-list (`options.allow` plus the modules of codecs registered
 * here; the executor passes `ExecutorContext.codecModules`).
 */
export async function decodeTaskResult(result: WireTaskResult, options: CodecModulesOptions | CodecModules = {}): Promise<Record<string, unknown>> {
  if (!result.ok) throw errorFromWire(result);
  return decodeRecord(result.outputs, options instanceof CodecModules ? options : new CodecModules(options));
}

/** Driver side: forward a worker's node event to the task's hooks. */
export function reportWireNodeEvent(task: Task, event: WireNodeEvent): void {
  task.reportNodeEvent(nodeEventFromWire(event));
}

/**
 * What a worker needs to build the driver's graph, as plain data: module URLs,
 * config, module overrides and the codec modules it may import. It is what
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

/** Worker side: one TaskRunner per (modules, config, codec allow-list), built once and reused across tasks and runs. */
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

/** Options of `runWireTask`. */
export interface RunWireTaskOptions {
  /** Report `pre`/`post` node events (the driver has node hooks). `validation` events are always reported. */
  readonly events?: boolean;
  /** Where node events go. */
  readonly onNodeEvent?: (event: WireNodeEvent) => void;
  /**
   * False when outputs go to another process or machine (see
   * `EncodeOptions.sharedMemory`). Default true.
   */
  readonly sharedMemory?: boolean;
}

/**
 * Worker side: decode a wire request, run it, and encode the outcome. Output
 * buffers are listed for transfer (the worker no longer needs them). Codec
 * modules are imported only from the runner's allow-list, and only when a
 * value needs one. Never throws: every failure becomes a `{ ok: false }`
 * result naming the node. Node events go to `options.onNodeEvent` (a function
 * alone receives every event).
 */
export async function runWireTask(
  runner: TaskRunner,
  req: WireTaskRequest,
  optionsOrSink: RunWireTaskOptions | ((event: WireNodeEvent) => void) = {},
): Promise<{ result: WireTaskResult; transfer: ArrayBuffer[] }> {
  // a sink alone: every event (pre, post and validation)
  const options: RunWireTaskOptions = typeof optionsOrSink === "function" ? { events: true, onNodeEvent: optionsOrSink } : optionsOrSink;
  try {
    const inputs = await decodeRecord(req.inputs, runner.codecs);
    const sink = options.onNodeEvent;
    const outputs = await runner.run(
      { ...req, inputs },
      { events: options.events === true, ...(sink ? { onNodeEvent: (e: NodeEvent) => sink(nodeEventToWire(req.taskId, e)) } : {}) },
    );
    const encoded: Record<string, unknown> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of req.outputs) {
      const value = Object.prototype.hasOwnProperty.call(outputs, name) ? outputs[name] : undefined;
      const encodeOptions = { nodeName: name, transfer: true, sharedMemory: options.sharedMemory };
      let env: WireEnvelope;
      try {
        env = encodeValue(value, encodeOptions);
      } catch (error) {
        // an object no registered codec accepts: import the allowed codec modules, then try again
        if (!MISSING_CODEC.has(error as SerializationError)) throw error;
        env = await runner.codecs.encode(value, encodeOptions);
      }
      defineOwn(encoded, name, env.value);
      for (const b of env.transfer) if (!transfer.includes(b)) transfer.push(b);
    }
    return { result: { ok: true, taskId: req.taskId, outputs: encoded }, transfer };
  } catch (error) {
    return { result: failureFor(req.taskId, error), transfer: [] };
  }
}

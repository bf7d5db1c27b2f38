// One task of a batch, run in a worker without the caller's node hooks: the
// same steps as `runWireTask` (decode the inputs, run the nodes, draw the
// expanders' items, encode the outputs), but synchronous while every step is,
// so a batch of trivial tasks costs no promise per task. A step that turns
// out to be async (a node returning a promise, a codec module to import) goes
// on asynchronously from where it is; nothing runs twice.
import { decodeValue } from "../codec/decode-value.js";
import { encodeValue, MISSING_CODEC, type WireEnvelope } from "../codec/encode-value.js";
import { isEnvelope } from "../codec/wire-format.js";
import { NodeExecutionError, type SerializationError } from "../errors.js";
import { invokeNode, isThenable, type InvokeContext } from "../execution/invoke.js";
import { materialize } from "../execution/run-task.js";
import { runItems } from "../execution/item-batch.js";
import type { GraphNode } from "../graph/function-graph.js";
import type { TaskRunner } from "./task-runner.js";
import type { WireTaskShape } from "./task-batch.js";

/** Where a task's encoded outputs go, in its shape's `outputs` order, with the buffers they hold (to transfer). */
export interface OutputSink {
  put(value: unknown, transfer?: readonly ArrayBuffer[]): void;
}

/** A shape's nodes in this worker's graph: looked up, and checked against the driver's fingerprint, once per batch. */
export function shapeNodes(runner: TaskRunner, shape: WireTaskShape, graphFingerprint: string, taskId: string): GraphNode[] {
  runner.check({ runId: "", taskId, nodes: shape.nodes, inputs: {}, outputs: shape.outputs, graphFingerprint });
  return shape.nodes.map((n) => runner.graph.get(n)!);
}

const isPrimitive = (v: unknown): boolean => v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol");

/**
 * Run one task: its inputs are `values[offset…]` in `shape.inputs` order
 * (encoded). Returns undefined when it finished synchronously, else a promise
 * for when it finished; throws (or rejects) with what failed, for
 * `failureFor`. On success the encoded outputs were appended to `sink`.
 */
export function runWorkerTask(
  runner: TaskRunner,
  nodes: readonly GraphNode[],
  shape: WireTaskShape,
  values: readonly unknown[],
  offset: number,
  ctx: InvokeContext,
  sharedMemory: boolean,
  sink: OutputSink,
): void | Promise<void> {
  if (shape.items !== undefined) return runItemBatch(runner, nodes, shape, values, offset, ctx, sharedMemory, sink);
  const only = nodes.length === 1 ? nodes[0]! : undefined;
  if (only && shape.expanders.length === 0 && shape.outputs.length === 1 && shape.outputs[0] === only.name) {
    return runOneNode(runner, only, nodes, shape, values, offset, ctx, sharedMemory, sink);
  }
  const env = decodeEnv(runner, shape.inputs, values, offset);
  if (env instanceof Promise) return env.then((e) => runFrom(0, runner, nodes, shape, e, ctx, sharedMemory, sink));
  return runFrom(0, runner, nodes, shape, env, ctx, sharedMemory, sink);
}

/**
 * A task's inputs by name, decoded: at once, or after importing the codec
 * modules a value needs. No prototype, as runNodes' environment: a dependency
 * called `constructor` that was not given is undefined.
 */
function decodeEnv(runner: TaskRunner, names: readonly string[], values: readonly unknown[], offset: number): Record<string, unknown> | Promise<Record<string, unknown>> {
  const env = Object.create(null) as Record<string, unknown>;
  for (let k = 0; k < names.length; k++) {
    const wire = values[offset + k];
    if (isEnvelope(wire)) {
      if (runner.codecs.needsImport(wire)) return decodeImporting(runner, names, values, offset);
      env[names[k]!] = decodeValue(wire, { nodeName: names[k], single: true });
    } else env[names[k]!] = wire;
  }
  return env;
}

async function decodeImporting(runner: TaskRunner, names: readonly string[], values: readonly unknown[], offset: number): Promise<Record<string, unknown>> {
  const env = Object.create(null) as Record<string, unknown>;
  for (let k = 0; k < names.length; k++) {
    const wire = values[offset + k];
    const options = { nodeName: names[k], single: true };
    env[names[k]!] = isEnvelope(wire) && runner.codecs.needsImport(wire) ? await runner.codecs.decode(wire, options) : decodeValue(wire, options);
  }
  return env;
}

/** An item batch (`Task.items`): its nodes once per item, each output an array of a value per item. */
function runItemBatch(
  runner: TaskRunner,
  nodes: readonly GraphNode[],
  shape: WireTaskShape,
  values: readonly unknown[],
  offset: number,
  ctx: InvokeContext,
  sharedMemory: boolean,
  sink: OutputSink,
): void | Promise<void> {
  const run = (env: Record<string, unknown>): void | Promise<void> => {
    const out = runItems(nodes, env, shape.outputs, shape.items!, ctx);
    if (isThenable(out)) return Promise.resolve(out).then((o) => encodeFrom(0, runner, shape, o, sharedMemory, sink));
    return encodeFrom(0, runner, shape, out, sharedMemory, sink);
  };
  const env = decodeEnv(runner, shape.inputs, values, offset);
  return env instanceof Promise ? env.then(run) : run(env);
}

/**
 * The most common task, a branch of one node returning its own value: the
 * same steps, with its arguments taken straight from the inputs (every input
 * decoded, as above; a parameter no input names is undefined), without an
 * environment record per task.
 */
function runOneNode(
  runner: TaskRunner,
  node: GraphNode,
  nodes: readonly GraphNode[],
  shape: WireTaskShape,
  values: readonly unknown[],
  offset: number,
  ctx: InvokeContext,
  sharedMemory: boolean,
  sink: OutputSink,
): void | Promise<void> {
  const deps = node.deps;
  const args = new Array<unknown>(deps.length);
  for (let i = 0; i < deps.length; i++) args[i] = undefined;
  const names = shape.inputs;
  for (let k = 0; k < names.length; k++) {
    let v = values[offset + k];
    if (isEnvelope(v)) {
      if (runner.codecs.needsImport(v)) return decodeImporting(runner, names, values, offset).then((env) => runFrom(0, runner, nodes, shape, env, ctx, sharedMemory, sink));
      v = decodeValue(v, { nodeName: names[k], single: true });
    }
    const i = deps.indexOf(names[k]!);
    if (i >= 0) args[i] = v;
  }
  const out = invokeNode(node, args, ctx);
  if (isThenable(out)) return Promise.resolve(out).then((value) => putValue(runner, shape, node.name, value, sharedMemory, sink));
  return putValue(runner, shape, node.name, out, sharedMemory, sink);
}

function putValue(runner: TaskRunner, shape: WireTaskShape, name: string, value: unknown, sharedMemory: boolean, sink: OutputSink): void | Promise<void> {
  if (isPrimitive(value)) return sink.put(value);
  const env = Object.create(null) as Record<string, unknown>;
  env[name] = value;
  return encodeFrom(0, runner, shape, env, sharedMemory, sink);
}

/** Run nodes from the `k`th on (as `runNodes` does), then finish the task. */
function runFrom(
  k: number,
  runner: TaskRunner,
  nodes: readonly GraphNode[],
  shape: WireTaskShape,
  env: Record<string, unknown>,
  ctx: InvokeContext,
  sharedMemory: boolean,
  sink: OutputSink,
): void | Promise<void> {
  for (; k < nodes.length; k++) {
    const node = nodes[k]!;
    const deps = node.deps;
    const args = new Array<unknown>(deps.length);
    for (let i = 0; i < deps.length; i++) args[i] = env[deps[i]!];
    const out = invokeNode(node, args, ctx);
    if (isThenable(out)) {
      const next = k + 1;
      return Promise.resolve(out).then((value) => {
        env[node.name] = value;
        return runFrom(next, runner, nodes, shape, env, ctx, sharedMemory, sink);
      });
    }
    env[node.name] = out;
  }
  for (const e of shape.expanders) {
    // an array crosses as it is; any other iterable is drawn (an async one asynchronously) first
    if (shape.outputs.includes(e) && !Array.isArray(env[e])) return drawItems(runner, shape, env, ctx.taskId, sharedMemory, sink);
  }
  return encodeFrom(0, runner, shape, env, sharedMemory, sink);
}

async function drawItems(runner: TaskRunner, shape: WireTaskShape, env: Record<string, unknown>, taskId: string, sharedMemory: boolean, sink: OutputSink): Promise<void> {
  for (const e of shape.expanders) {
    if (!shape.outputs.includes(e)) continue;
    try {
      env[e] = await materialize(env[e]);
    } catch (error) {
      throw new NodeExecutionError(e, taskId, error);
    }
  }
  await encodeFrom(0, runner, shape, env, sharedMemory, sink);
}

/** Encode outputs from the `k`th on into `sink`; a value no registered codec takes imports the allowed codec modules first. */
function encodeFrom(k: number, runner: TaskRunner, shape: WireTaskShape, env: Record<string, unknown>, sharedMemory: boolean, sink: OutputSink): void | Promise<void> {
  const names = shape.outputs;
  for (; k < names.length; k++) {
    const name = names[k]!;
    const value = env[name];
    if (isPrimitive(value)) {
      sink.put(value);
      continue;
    }
    const options = { nodeName: name, transfer: true, sharedMemory };
    let wire: WireEnvelope;
    try {
      wire = encodeValue(value, options);
    } catch (error) {
      if (!MISSING_CODEC.has(error as SerializationError)) throw error;
      const next = k + 1;
      return runner.codecs.encode(value, options).then((w) => {
        sink.put(w.value, w.transfer);
        return encodeFrom(next, runner, shape, env, sharedMemory, sink);
      });
    }
    sink.put(wire.value, wire.transfer);
  }
}

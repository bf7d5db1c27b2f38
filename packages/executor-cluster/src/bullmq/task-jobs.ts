// Driver side of the job format: tasks into job data, job outcomes back into
// task results. Nothing here throws outside its caller's try: a value that
// cannot cross becomes a SerializationError naming the node, for that task only.
import { ExecutorError, NodeExecutionError, SerializationError, TimeoutError } from "@hamilton-ts/kernel";
import type { Task } from "@hamilton-ts/kernel/contracts";
import {
  decodeValue,
  deserializeError,
  encodeTaskInputs,
  errorFromWire,
  packTaskBatch,
  reportWireNodeEvent,
  executorFailure as kernelExecutorFailure,
  taskNodeName,
  type CodecModules,
  type FlatTask,
} from "@hamilton-ts/kernel/remote";
import { fromBase64, toBase64, v8Refuses, validateOutcome, type JobData, type JobOutcome, type JobPayload, type JobShape, type WireFailure } from "./job-format.js";

/** The executor's name in ExecutorErrors. */
export const EXECUTOR = "BullMQExecutor";

/** The node to name for a task-level failure: its only node, or all of them. */
export function nodeOf(task: Task): string {
  return taskNodeName(task.nodes) ?? "(task)";
}

/** An infrastructure failure of a task: an ExecutorError as the cause of a NodeExecutionError naming the node. */
export function executorFailure(task: Task, reason: ExecutorError["reason"], message: string): NodeExecutionError {
  return kernelExecutorFailure(nodeOf(task), task.taskId, EXECUTOR, reason, message);
}

/** The timeout of one attempt of a task in a worker: its nodes' and the executor's, whichever is shorter. */
export function timeoutOf(task: Task, taskTimeoutMs: number | undefined): number | undefined {
  const t = Math.min(task.timeoutMs ?? Infinity, taskTimeoutMs ?? Infinity);
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

function serializationError(task: Task, cause: unknown): SerializationError {
  if (SerializationError.isInstance(cause)) return cause;
  const msg = cause instanceof Error ? cause.message : String(cause);
  const names = Object.keys(task.inputs);
  const culprit = names.find((n) => v8Refuses(task.inputs[n]));
  const what = culprit !== undefined ? `The value of node "${culprit}" (an input of task ${task.taskId})` : `An input of task ${task.taskId}`;
  return new SerializationError(
    `${what} cannot be sent to a BullMQ worker: ${msg}. Values must be plain data, nested less than a few thousand levels ` +
      `(no functions, symbols, SharedArrayBuffers or class instances without a codec).`,
    culprit ?? nodeOf(task),
    { cause },
  );
}

/** A job ready to add, and the tasks it carries in order. */
export interface EncodedJob<T extends { readonly task: Task }> {
  readonly data: JobData;
  readonly items: T[];
  /** Bytes of the payload (base64 text), for the bytes-per-task figure. */
  readonly bytes: number;
}

/**
 * Encode tasks of one run as one job. Tasks whose values cannot cross are
 * handed to `reject` with a SerializationError naming the node; the others go
 * in the job (undefined when none is left).
 */
export function encodeJob<T extends { readonly task: Task }>(
  items: readonly T[],
  setupId: string,
  events: boolean,
  taskTimeoutMs: number | undefined,
  reject: (item: T, error: unknown) => void,
): EncodedJob<T> | undefined {
  let kept: T[] = [];
  const flats: FlatTask[] = [];
  for (const item of items) {
    try {
      const t = item.task;
      const enc = encodeTaskInputs(t);
      // no object spread: it takes a slow path in Node 20's V8, per task
      flats.push({ inputNames: enc.inputNames, values: enc.values, taskId: t.taskId, nodes: t.nodes, outputs: t.outputs, expanders: t.expanders });
      kept.push(item);
    } catch (error) {
      reject(item, serializationError(item.task, error));
    }
  }
  for (let round = 0; kept.length > 0; round++) {
    const batch = packTaskBatch("", "", flats);
    // a shape's tasks come from one template, so they share its timeout: the first task's is theirs
    const shapes: JobShape[] = batch.shapes.map((s) => {
      const first = batch.shapeOf.indexOf(batch.shapes.indexOf(s));
      const timeoutMs = timeoutOf(kept[first]!.task, taskTimeoutMs);
      const shape = { nodes: s.nodes, inputs: s.inputs, outputs: s.outputs, expanders: s.expanders };
      return timeoutMs === undefined ? shape : { ...shape, timeoutMs };
    });
    const payload: JobPayload = {
      shapes,
      count: kept.length,
      ...(shapes.length > 1 ? { shapeOf: batch.shapeOf } : {}),
      values: batch.values,
    };
    try {
      const p = toBase64(payload);
      return { data: { h: 2, s: setupId, ...(events ? { e: 1 as const } : {}), p }, items: kept, bytes: p.length };
    } catch (error) {
      // v8 refused something (a SharedArrayBuffer, a function below the codec's depth, too deep a value): find whose
      const fine: T[] = [];
      const fineFlats: FlatTask[] = [];
      kept.forEach((item, i) => {
        if (!v8Refuses(flats[i]!.values)) (fine.push(item), fineFlats.push(flats[i]!));
        else reject(item, serializationError(item.task, error));
      });
      if (fine.length === kept.length || round > 0) {
        for (const item of fine) reject(item, serializationError(item.task, error));
        return undefined;
      }
      kept = fine;
      flats.length = 0;
      flats.push(...fineFlats);
    }
  }
  return undefined;
}

/** Rebuild the error of a failed task, keeping its class where the worker sent one. */
export function errorOfFailure(task: Task, f: WireFailure): Error {
  const props = (f.error.props ?? {}) as Record<string, unknown>;
  if (f.kind === "TimeoutError") {
    return new TimeoutError(f.nodeName ?? nodeOf(task), task.taskId, typeof props.timeoutMs === "number" ? props.timeoutMs : 0, f.error.message);
  }
  if (f.kind === "ExecutorError") {
    const reason = (typeof props.reason === "string" ? props.reason : "worker-died") as ExecutorError["reason"];
    const cause = new ExecutorError(EXECUTOR, reason, f.error.message, f.error.cause ? { cause: deserializeError(f.error.cause as never) } : undefined);
    return new NodeExecutionError(f.nodeName ?? nodeOf(task), task.taskId, cause);
  }
  // other kernel errors (a worker's GraphError, a SerializationError) come back as their own class
  return errorFromWire({ ...f, taskId: task.taskId }, task.nodes);
}

/** A job's decoded outcome: per task, its outputs (still codec-encoded) or its error. */
export type TaskOutcome = { readonly ok: true; readonly wire: Record<string, unknown> } | { readonly ok: false; readonly error: Error };

/** Decode a job's return value into one outcome per task (in job order); throws if it is not ours. */
export function decodeOutcome(returnvalue: unknown, tasks: readonly Task[]): TaskOutcome[] {
  const outcome: JobOutcome = validateOutcome(fromBase64(String(returnvalue)));
  const failed = new Map<number, WireFailure>();
  for (const [i, f] of outcome.failures ?? []) failed.set(i, f);
  const events = new Map<number, readonly unknown[]>();
  for (const [i, e] of outcome.events ?? []) events.set(i, e);
  let offset = 0;
  return tasks.map((task, i) => {
    if (!task.signal.aborted) for (const e of events.get(i) ?? []) reportWireNodeEvent(task, e as never);
    const f = outcome.refused ?? failed.get(i);
    if (f) return { ok: false, error: errorOfFailure(task, f) };
    const wire: Record<string, unknown> = {};
    for (const name of task.outputs) wire[name] = outcome.outputs[offset++];
    return { ok: true, wire };
  });
}

/**
 * Decode a task's outputs: synchronously when every codec they need is here
 * (the usual case: no promise per task), else after importing the allowed
 * codec modules they name (a module off the allow-list is a SerializationError).
 */
export function decodeOutputs(wire: Record<string, unknown>, codecs: CodecModules): Record<string, unknown> | Promise<Record<string, unknown>> {
  let plain = true;
  for (const k in wire) {
    const v = wire[k];
    if (typeof v === "object" && v !== null) {
      plain = false;
      break;
    }
  }
  if (plain) return wire; // primitives only: nothing to decode (most tiny tasks)
  if (!codecs.needsImport(wire)) return decodeValue(wire) as Record<string, unknown>;
  return codecs.decode(wire) as Promise<Record<string, unknown>>;
}

// Driver side of the job format: tasks into job data, job outcomes back into
// task results. Nothing here throws outside its caller's try: a value that
// cannot cross becomes a SerializationError naming the node, for that task only.
import { ExecutorError, NodeExecutionError, SerializationError, TimeoutError } from "@hamilton-ts/kernel";
import type { Task } from "@hamilton-ts/kernel/contracts";
import {
  decodeValue,
  deserializeError,
  encodeValue,
  errorFromWire,
  reportWireNodeEvent,
  executorFailure as kernelExecutorFailure,
  taskNodeName,
  type CodecModules,
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

const same = (a: readonly string[], b: readonly string[]): boolean => {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Whether a task has this shape. */
const fits = (shape: JobShape, nodes: readonly string[], inputs: readonly string[], t: Task): boolean =>
  shape.nodes === nodes && shape.items === t.items?.input && same(shape.inputs, inputs) && same(shape.outputs, t.outputs) && same(shape.expanders, t.expanders);

/**
 * Encode tasks of one run as one job, in one pass: tasks of one template
 * share a shape (found by their node list, which the kernel shares), and
 * every input value goes straight into one column (plain values as they are).
 * Tasks whose values cannot cross are handed to `reject` with a
 * SerializationError naming the node; the others go in the job (undefined
 * when none is left).
 */
export function encodeJob<T extends { readonly task: Task }>(
  items: readonly T[],
  setupId: string,
  events: boolean,
  taskTimeoutMs: number | undefined,
  reject: (item: T, error: unknown) => void,
  retried = false,
): EncodedJob<T> | undefined {
  const kept: T[] = [];
  const shapes: JobShape[] = [];
  const byNodes = new Map<readonly string[], number[]>();
  const shapeOf: number[] = [];
  const values: unknown[] = [];
  /** Where each kept task's values start in `values`. */
  const starts: number[] = [];
  let last = -1;
  for (const item of items) {
    const t = item.task;
    const inputs = t.inputs;
    const names = Object.keys(inputs);
    const start = values.length;
    try {
      for (const name of names) {
        const v = inputs[name];
        values.push(v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol") ? v : encodeValue(v, { nodeName: name }).value);
      }
    } catch (error) {
      values.length = start;
      reject(item, serializationError(t, error));
      continue;
    }
    const nodes = t.nodes;
    // tasks of a template come in a row: the previous task's shape first
    let s = last >= 0 && fits(shapes[last]!, nodes, names, t) ? last : undefined;
    if (s === undefined) {
      let candidates = byNodes.get(nodes);
      if (!candidates) byNodes.set(nodes, (candidates = []));
      for (const c of candidates) if (fits(shapes[c]!, nodes, names, t)) s = c;
      if (s === undefined) {
      // a shape's tasks come from one template, so they share its timeout: the first task's is theirs
        const timeoutMs = timeoutOf(t, taskTimeoutMs);
        const shape: JobShape = { nodes, inputs: names, outputs: t.outputs, expanders: t.expanders, ...(t.items ? { items: t.items.input } : {}) };
        s = shapes.push(timeoutMs === undefined ? shape : { ...shape, timeoutMs }) - 1;
        candidates.push(s);
      }
    }
    last = s;
    shapeOf.push(s);
    starts.push(start);
    kept.push(item);
  }
  if (kept.length === 0) return undefined;
  const payload: JobPayload = { shapes, count: kept.length, ...(shapes.length > 1 ? { shapeOf: Int32Array.from(shapeOf) } : {}), values };
  try {
    const p = toBase64(payload);
    const h = shapes.some((sh) => sh.items !== undefined) ? 3 : 2;
    return { data: { h, s: setupId, ...(events ? { e: 1 as const } : {}), p }, items: kept, bytes: p.length };
  } catch (error) {
    // v8 refused something (a SharedArrayBuffer, a function below the codec's depth, too deep a value): find whose
    const fine: T[] = [];
    kept.forEach((item, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]! : values.length;
      if (!v8Refuses(values.slice(starts[i]!, end))) fine.push(item);
      else reject(item, serializationError(item.task, error));
    });
    if (fine.length === kept.length || retried) {
      for (const item of fine) reject(item, serializationError(item.task, error));
      return undefined;
    }
    return encodeJob(fine, setupId, events, taskTimeoutMs, reject, true);
  }
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

/**
 * Decode a job's return value and hand each task (in job order) its outputs,
 * still codec-encoded, or its error; node events are reported first. Throws
 * if the value is not ours, before any task is answered.
 */
export function settleOutcome(
  returnvalue: unknown,
  tasks: readonly Task[],
  answer: (index: number, wire: Record<string, unknown> | undefined, error?: Error) => void,
): void {
  const outcome: JobOutcome = validateOutcome(fromBase64(String(returnvalue)));
  let failed: Map<number, WireFailure> | undefined;
  for (const [i, f] of outcome.failures ?? []) (failed ??= new Map()).set(i, f);
  let events: Map<number, readonly unknown[]> | undefined;
  for (const [i, e] of outcome.events ?? []) (events ??= new Map()).set(i, e);
  let offset = 0;
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    if (events && !task.signal.aborted) for (const e of events.get(i) ?? []) reportWireNodeEvent(task, e as never);
    const f = outcome.refused ?? failed?.get(i);
    if (f) {
      answer(i, undefined, errorOfFailure(task, f));
      continue;
    }
    const wire: Record<string, unknown> = {};
    for (const name of task.outputs) wire[name] = outcome.outputs[offset++];
    answer(i, wire);
  }
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

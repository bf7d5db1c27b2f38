import { encodeValue, type EncodeOptions } from "../codec/encode-value.js";
import { defineOwn } from "../codec/wire-format.js";
import type { Task } from "../executors/task-executor.js";
import type { WireTaskRequest } from "./protocol.js";

/** A task's inputs, encoded for the wire: names and values side by side. */
export interface EncodedInputs {
  readonly inputNames: readonly string[];
  readonly values: readonly unknown[];
}

/** A task as a batch carries it: what a worker needs, with its inputs encoded. */
export interface FlatTask extends EncodedInputs {
  readonly taskId: string;
  readonly nodes: readonly string[];
  readonly outputs: readonly string[];
  readonly expanders: readonly string[];
  /** An item batch's items input (`Task.items.input`); undefined for one branch. */
  readonly items?: string | undefined;
}

/** What the tasks of one template share on the wire: sent once per batch. */
export interface WireTaskShape {
  readonly nodes: readonly string[];
  /** Input names, in the order their values appear in `WireTaskBatch.values`. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly expanders: readonly string[];
  /**
   * Set on item batches (`Task.items`): the input holding the items; the
   * worker runs the nodes once per item and returns each output as an array.
   */
  readonly items?: string;
}

/**
 * Tasks of one run, column-wise: what tasks share once (run id, fingerprint,
 * node lists), then per task its id, shape and input values, so a batch of
 * thousands of tiny tasks costs little more to clone than their values. Task
 * ids travel as one string (cloning 1,000 short strings costs ten times
 * cloning one string of them all); `taskIdsOf` splits it.
 */
export interface WireTaskBatch {
  readonly runId: string;
  readonly graphFingerprint: string;
  readonly shapes: readonly WireTaskShape[];
  /** Every task's id, one after the other; `taskIdEnds[i]` is where task `i`'s ends. */
  readonly taskIds: string;
  readonly taskIdEnds: Uint32Array;
  /** Index into `shapes`, per task. */
  readonly shapeOf: Int32Array;
  /** Every task's input values, task after task, in its shape's `inputs` order. */
  readonly values: readonly unknown[];
}

/**
 * Driver side: encode a task's inputs. Inputs are not transferred (the driver may
 * still need them); a value that cannot cross is a SerializationError naming it.
 * Pass `sharedMemory: false` when the task goes to another process or machine.
 */
export function encodeTaskInputs(task: Pick<Task, "inputs">, options: Pick<EncodeOptions, "sharedMemory"> = {}): EncodedInputs {
  const inputNames = Object.keys(task.inputs);
  const values = new Array<unknown>(inputNames.length);
  for (let k = 0; k < inputNames.length; k++) {
    values[k] = encodeValue(task.inputs[inputNames[k]!], { nodeName: inputNames[k], sharedMemory: options.sharedMemory }).value;
  }
  return { inputNames, values };
}

/**
 * Driver side: encode the values of `inputs` named `names` (its own keys, in
 * order). Primitives cross as they are; a value that cannot cross is a
 * SerializationError naming its input.
 */
export function encodeInputValues(inputs: Readonly<Record<string, unknown>>, names: readonly string[], sharedMemory: boolean): unknown[] {
  const values = new Array<unknown>(names.length);
  for (let k = 0; k < names.length; k++) {
    const v = inputs[names[k]!];
    values[k] = v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol") ? v : encodeValue(v, { nodeName: names[k], sharedMemory }).value;
  }
  return values;
}

/**
 * What a kernel task offers a pool besides `inputs`: its input names as one
 * array shared by every task of its template, and their values in that order,
 * so no inputs object is made per task. `inputNames` is undefined when the
 * task's inputs do not follow its template (a cache hit or a retry gave them).
 */
export interface InputColumns {
  readonly inputNames: readonly string[] | undefined;
  inputValues(): unknown[];
}

/** Driver side: encode, in place, values laid out as `names` (see `encodeInputValues`). */
export function encodeValuesInPlace(values: unknown[], names: readonly string[], sharedMemory: boolean): unknown[] {
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v !== null && (typeof v === "object" || typeof v === "function" || typeof v === "symbol")) values[k] = encodeValue(v, { nodeName: names[k], sharedMemory }).value;
  }
  return values;
}

/** Whether two name lists are equal (the same array, most often). */
export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Driver side: lay tasks of one run out column-wise; tasks of one template share a shape. */
export function packTaskBatch(runId: string, graphFingerprint: string, tasks: readonly FlatTask[]): WireTaskBatch {
  const shapes: WireTaskShape[] = [];
  // a template's node list is one array shared by all its tasks: find its shapes by identity
  const byNodes = new Map<readonly string[], number[]>();
  const ids = new Array<string>(tasks.length);
  let length = 0;
  const taskIdEnds = new Uint32Array(tasks.length);
  const shapeOf = new Int32Array(tasks.length);
  const values: unknown[] = [];
  // the shape of the task before, when this one has the same lists (the common case: one template's run of tasks)
  let last = -1;
  let lastNodes: readonly string[] | undefined;
  let lastInputs: readonly string[] | undefined;
  let lastOutputs: readonly string[] | undefined;
  let lastExpanders: readonly string[] | undefined;
  let lastItems: string | undefined;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    const nodes = t.nodes;
    const inputs = t.inputNames;
    const outputs = t.outputs;
    const expanders = t.expanders;
    const items = t.items;
    let s = last;
    if (nodes !== lastNodes || inputs !== lastInputs || outputs !== lastOutputs || expanders !== lastExpanders || items !== lastItems) {
      let candidates = byNodes.get(nodes);
      if (!candidates) byNodes.set(nodes, (candidates = []));
      s = candidates.find((c) => {
        const sh = shapes[c]!;
        return sh.items === items && sameNames(sh.inputs, inputs) && sameNames(sh.outputs, outputs) && sameNames(sh.expanders, expanders);
      }) ?? -1;
      if (s < 0) {
        s = shapes.push(items === undefined ? { nodes, inputs, outputs, expanders } : { nodes, inputs, outputs, expanders, items }) - 1;
        candidates.push(s);
      }
      last = s;
      lastNodes = nodes;
      lastInputs = inputs;
      lastOutputs = outputs;
      lastExpanders = expanders;
      lastItems = items;
    }
    const id = t.taskId;
    ids[i] = id;
    taskIdEnds[i] = length += id.length;
    shapeOf[i] = s;
    const vs = t.values;
    for (let k = 0; k < vs.length; k++) values.push(vs[k]);
  }
  return { runId, graphFingerprint, shapes, taskIds: ids.join(""), taskIdEnds, shapeOf, values };
}

/** The number of tasks in a batch. */
export function taskCount(batch: WireTaskBatch): number {
  return batch.taskIdEnds.length;
}

/** Every task's id, in order. */
export function taskIdsOf(batch: WireTaskBatch): string[] {
  const ends = batch.taskIdEnds;
  const ids = new Array<string>(ends.length);
  let from = 0;
  for (let i = 0; i < ends.length; i++) {
    ids[i] = batch.taskIds.slice(from, ends[i]);
    from = ends[i]!;
  }
  return ids;
}

/** Worker side: the wire requests of a batch, in order (inputs still encoded). */
export function* unpackTaskBatch(batch: WireTaskBatch): Generator<{ index: number; shape: WireTaskShape; request: WireTaskRequest }> {
  const taskIds = taskIdsOf(batch);
  let offset = 0;
  for (let i = 0; i < taskIds.length; i++) {
    const shape = batch.shapes[batch.shapeOf[i]!]!;
    const inputs: Record<string, unknown> = {};
    for (let k = 0; k < shape.inputs.length; k++) defineOwn(inputs, shape.inputs[k]!, batch.values[offset + k]);
    offset += shape.inputs.length;
    yield {
      index: i,
      shape,
      request: {
        runId: batch.runId,
        taskId: taskIds[i]!,
        nodes: shape.nodes,
        inputs,
        outputs: shape.outputs,
        expanders: shape.expanders,
        graphFingerprint: batch.graphFingerprint,
      },
    };
  }
}

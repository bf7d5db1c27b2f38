import { deserializeError, serializeError, type NodeEvent, type SerializedError, type WireNodeEvent, type WireTaskRequest } from "@hamilton-ts/kernel";
import { EVENT_POST_FAILED, EVENT_POST_OK, EVENT_PRE, type PackedBatch, type PackedEvents, type TaskShape } from "./messages.js";

/** One task as the parent packs it: its id, template arrays, and encoded input values. */
export interface PackableTask {
  readonly taskId: string;
  readonly nodes: readonly string[];
  readonly outputs: readonly string[];
  readonly expanders: readonly string[];
  /** The task's input names and their codec-encoded values, in the same order. */
  readonly inputNames: readonly string[];
  readonly values: readonly unknown[];
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Parent side: tasks of one run as columns; tasks of one template share a shape. */
export function packBatch(
  head: { batchId: number; setupId: number; live: boolean; events: boolean; runId: string; graphFingerprint: string },
  tasks: readonly PackableTask[],
): PackedBatch {
  const shapes: TaskShape[] = [];
  const taskIds: string[] = new Array(tasks.length);
  const shapeOf: number[] = new Array(tasks.length);
  const values: unknown[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    let s = shapes.findIndex(
      (sh) => sh.nodes === t.nodes && sameNames(sh.outputs, t.outputs) && sameNames(sh.expanders, t.expanders) && sameNames(sh.inputs, t.inputNames),
    );
    if (s < 0) s = shapes.push({ nodes: t.nodes, inputs: t.inputNames, outputs: t.outputs, expanders: t.expanders }) - 1;
    taskIds[i] = t.taskId;
    shapeOf[i] = s;
    for (const v of t.values) values.push(v);
  }
  return { type: "batch", ...head, shapes, taskIds, shapeOf, values };
}

/** Child side: the wire requests of a packed batch, in order. */
export function* unpackBatch(batch: PackedBatch): Generator<{ index: number; shape: TaskShape; request: WireTaskRequest }> {
  let offset = 0;
  for (let i = 0; i < batch.taskIds.length; i++) {
    const shape = batch.shapes[batch.shapeOf[i]!]!;
    const inputs: Record<string, unknown> = {};
    for (let k = 0; k < shape.inputs.length; k++) inputs[shape.inputs[k]!] = batch.values[offset + k];
    offset += shape.inputs.length;
    yield {
      index: i,
      shape,
      request: {
        runId: batch.runId,
        taskId: batch.taskIds[i]!,
        nodes: shape.nodes,
        inputs,
        outputs: shape.outputs,
        expanders: shape.expanders,
        graphFingerprint: batch.graphFingerprint,
      },
    };
  }
}

/** Child side: collects node events as numbers. */
export class EventPacker {
  private codes: number[] = [];
  private errors: SerializedError[] = [];

  add(taskIndex: number, shape: TaskShape, e: WireNodeEvent): void {
    const kind = e.type === "pre" ? EVENT_PRE : e.success === false ? EVENT_POST_FAILED : EVENT_POST_OK;
    this.codes.push(taskIndex, kind, shape.nodes.indexOf(e.nodeName), e.durationMs ?? Number.NaN);
    if (kind === EVENT_POST_FAILED) this.errors.push(e.error ?? serializeError(new Error(`node "${e.nodeName}" failed`)));
  }

  get size(): number {
    return this.codes.length;
  }

  /** The events so far; the packer starts empty again. */
  take(): PackedEvents {
    const out = { codes: Float64Array.from(this.codes), errors: this.errors };
    this.codes = [];
    this.errors = [];
    return out;
  }
}

/** Parent side: replay packed events as node events, with the task index they belong to. */
export function forEachEvent(
  events: PackedEvents,
  nodesOf: (taskIndex: number) => readonly string[] | undefined,
  fn: (taskIndex: number, event: NodeEvent) => void,
): void {
  const c = events.codes;
  let errorIndex = 0;
  for (let i = 0; i + 3 < c.length; i += 4) {
    const taskIndex = c[i]!;
    const kind = c[i + 1]!;
    const error = kind === EVENT_POST_FAILED ? events.errors[errorIndex++] : undefined;
    const nodeName = nodesOf(taskIndex)?.[c[i + 2]!];
    if (nodeName === undefined) continue;
    const durationMs = Number.isNaN(c[i + 3]!) ? undefined : c[i + 3]!;
    fn(
      taskIndex,
      kind === EVENT_PRE
        ? { type: "pre", nodeName }
        : { type: "post", nodeName, success: kind === EVENT_POST_OK, durationMs, ...(error ? { error: deserializeError(error) } : {}) },
    );
  }
}

// The BullMQ job format, shared by the driver and the worker. BullMQ stores job
// data and return values as JSON, so bytes travel as base64 of v8.serialize.
// What a run shares (modules, config, fingerprint) is not in the job: it is a
// setup record in Redis (see run-setup.ts), named by a short content hash.
// What tasks of one template share (node lists) is sent once per job; per task
// only the input values travel, and task ids not at all (the driver knows which
// task is at which position).
import { deserialize, serialize } from "node:v8";
import { failureFor, type WireNodeEvent, type WireTaskResult } from "@hamilton-ts/kernel/remote";

/** The codec modules the default allow-lists let a payload or a result name (hamilton-ts's own). */
export const DEFAULT_CODEC_MODULES: readonly string[] = ["@hamilton-ts/results-arrow", "@hamilton-ts/results-dataframe"];

/** The BullMQ job name of every hamilton-ts job. */
export const JOB_NAME = "hamilton-task";

/** The job data on the queue (plain JSON). */
export interface JobData {
  /**
   * Format version: 3 when the job holds item batches (`JobShape.items`), so
   * that a worker of a version before them refuses it rather than running
   * each batch's nodes once on the whole items array; 2 otherwise.
   */
  readonly h: 2 | 3;
  /** Id of the run setup (modules, config, fingerprint) the driver built its graph from. */
  readonly s: string;
  /** 1 when the driver wants node events back (it has node hooks). */
  readonly e?: 1;
  /** base64 of `v8.serialize(JobPayload)`. */
  readonly p: string;
}

/** What the tasks of one template share in a job. */
export interface JobShape {
  readonly nodes: readonly string[];
  /** Input names, in the order their values appear in `JobPayload.values`. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly expanders: readonly string[];
  /** Longest one attempt may take in the worker (ms); absent for no bound. */
  readonly timeoutMs?: number;
  /**
   * Set for item batches (`Task.items`): the input holding the items; the
   * worker runs the nodes once per item and returns each output as an array.
   */
  readonly items?: string;
}

/** The decoded payload of a job: tasks column-wise. */
export interface JobPayload {
  readonly shapes: readonly JobShape[];
  /** Number of tasks in the job. */
  readonly count: number;
  /** Index into `shapes` per task; absent when every task has shape 0. */
  readonly shapeOf?: Int32Array;
  /** Every task's input values (codec-encoded), task after task, in its shape's `inputs` order. */
  readonly values: readonly unknown[];
}

/** A task's failure on the wire (the task id is the driver's to fill in). */
export type WireFailure = Omit<Extract<WireTaskResult, { ok: false }>, "taskId">;

/** A job's return value: base64 of `v8.serialize(JobOutcome)`. */
export interface JobOutcome {
  /** Output values (codec-encoded) of every task that succeeded, in task order, each in its shape's `outputs` order. */
  readonly outputs: readonly unknown[];
  /** Failed tasks: `[task index, failure]`. */
  readonly failures?: readonly (readonly [number, WireFailure])[];
  /** Node events, for tasks that have some: `[task index, events]` (their `taskId` is left empty). */
  readonly events?: readonly (readonly [number, readonly WireNodeEvent[]])[];
  /** The job was refused as a whole (not ours, wrong graph, undecodable): the failure of every task. */
  readonly refused?: WireFailure;
}

/** Any error as a task failure on the wire (the driver fills in the task id). */
export function wireFailure(error: unknown): WireFailure {
  const { taskId: _, ...f } = failureFor("", error);
  return f;
}

/** Whether v8 refuses to serialize a value (a SharedArrayBuffer, a function, too deep a value). */
export function v8Refuses(value: unknown): boolean {
  try {
    serialize(value);
    return false;
  } catch {
    return true;
  }
}

/** Bytes as base64 text for a JSON field. */
export function toBase64(value: unknown): string {
  return serialize(value).toString("base64");
}

/** Undo `toBase64`; a payload larger than `maxBytes` is refused before it is decoded. */
export function fromBase64(text: string, maxBytes = Infinity): unknown {
  if (Math.floor((text.length * 3) / 4) > maxBytes) {
    throw new Error(`The payload is ${Math.round((text.length * 3) / 4 / 1024)} KiB, over this worker's maxPayloadBytes (${Math.round(maxBytes / 1024)} KiB).`);
  }
  return deserialize(Buffer.from(text, "base64"));
}

/** A BullMQ job id for a task (or a chunk of tasks) of a run; ':' is reserved by BullMQ. */
export function jobIdFor(runId: string, firstTaskId: string, count: number, attempt: number): string {
  const head = `${runId}~${firstTaskId}${count > 1 ? `~x${count}` : ""}${attempt > 1 ? `~a${attempt}` : ""}`;
  return head.replace(/%/g, "%25").replace(/:/g, "%3A");
}

/**
 * Branches an item batch's items input holds, still encoded: an array's
 * length, 1 for an envelope (only weighed, never trusted for results).
 */
export function encodedItemCount(value: unknown): number {
  return Array.isArray(value) ? value.length : 1;
}

/** Whether job data looks like ours (format 2 or 3) before anything is decoded. */
export function isJobData(data: unknown): data is JobData {
  const d = data as Partial<JobData> | null;
  return typeof d === "object" && d !== null && (d.h === 2 || d.h === 3) && typeof d.s === "string" && d.s.length <= 64 && typeof d.p === "string";
}

const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

/** Check that decoded bytes are a job payload (and nothing else) before running it. */
export function validatePayload(value: unknown): JobPayload {
  const p = value as Partial<JobPayload> | null;
  const bad = (why: string) => new Error(`The job payload is not a hamilton-ts task batch: ${why}.`);
  if (typeof p !== "object" || p === null || !Array.isArray(p.shapes) || !Array.isArray(p.values)) throw bad("no shapes or values");
  const count = p.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) throw bad("no task count");
  for (const s of p.shapes as unknown[]) {
    const sh = s as Partial<JobShape> | null;
    if (typeof sh !== "object" || sh === null || !isNames(sh.nodes) || !isNames(sh.inputs) || !isNames(sh.outputs) || !isNames(sh.expanders)) throw bad("a malformed task shape");
    if (sh.timeoutMs !== undefined && !(typeof sh.timeoutMs === "number" && sh.timeoutMs > 0)) throw bad("a malformed timeout");
    if (sh.items !== undefined && !(typeof sh.items === "string" && (sh.inputs as string[]).includes(sh.items))) throw bad("a malformed item batch");
  }
  if (p.shapes.length === 0) throw bad("no shapes");
  let needed = 0;
  if (p.shapeOf !== undefined) {
    if (!(p.shapeOf instanceof Int32Array) || p.shapeOf.length !== count) throw bad("a malformed shape index");
    for (const s of p.shapeOf) {
      if (s < 0 || s >= p.shapes.length) throw bad("a shape index out of range");
      needed += p.shapes[s]!.inputs.length;
    }
  } else needed = count * p.shapes[0]!.inputs.length;
  if (needed !== p.values.length) throw bad(`${p.values.length} input values for ${needed} inputs`);
  return p as JobPayload;
}

/** Check that a decoded return value is a job outcome. */
export function validateOutcome(value: unknown): JobOutcome {
  const o = value as Partial<JobOutcome> | null;
  if (typeof o !== "object" || o === null || !Array.isArray(o.outputs)) throw new Error("no outputs");
  if (o.failures !== undefined && !Array.isArray(o.failures)) throw new Error("malformed failures");
  if (o.events !== undefined && !Array.isArray(o.events)) throw new Error("malformed events");
  if (o.refused !== undefined && (typeof o.refused !== "object" || o.refused === null || typeof o.refused.error?.message !== "string")) throw new Error("malformed refusal");
  return o as JobOutcome;
}

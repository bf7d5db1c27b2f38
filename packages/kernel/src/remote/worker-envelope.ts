import { deserializeThrown, serializeError, type SerializedError } from "../codec/error-data.js";
import type { ValidationResult } from "../errors.js";
import type { NodeEvent } from "../executors/task-executor.js";
import type { WireNodeEvent, WireTaskResult, WorkerSetup } from "./protocol.js";
import type { WireTaskBatch, WireTaskShape } from "./task-batch.js";

/**
 * The one message envelope between a `TaskPool` and its workers, whatever
 * carries it (a worker thread's port, a child process's IPC channel, an HTTP
 * body). Every field is plain data that structured clone and v8 serialization
 * both accept; task values went through the codec registry first.
 */

/** A failed task on the wire. */
export type WireFailure = Extract<WireTaskResult, { ok: false }>;

/** Pool → worker: register a graph setup once; batches name it by id. */
export interface SetupMessage {
  readonly type: "setup";
  readonly id: number;
  readonly setup: WorkerSetup;
}

/** Pool → worker: tasks of one run, to run one after the other. */
export interface BatchMessage {
  readonly type: "batch";
  /** Unique per pool. */
  readonly seq: number;
  /** Id of a setup already sent to this worker. */
  readonly setup: number;
  /** Send `pre`/`post` node events (the caller has node hooks). Validation events are always sent. */
  readonly events: boolean;
  /** Send node events the moment they happen (a one-task batch: a long task, a progress bar). */
  readonly live: boolean;
  /** Some task has a timeout: say when the batch starts (after the graph is built), so setup time is not counted. */
  readonly timed: boolean;
  readonly batch: WireTaskBatch;
}

export type ToWorker = SetupMessage | BatchMessage;

/** Worker → pool: the worker listens (messages sent before may be lost on some transports). */
export interface ReadyMessage {
  readonly type: "ready";
}

/** Worker → pool: a timed batch starts running now. */
export interface StartedMessage {
  readonly type: "started";
  readonly seq: number;
}

/**
 * Worker → pool: outcomes and node events of some tasks of a batch. Successful
 * tasks travel column-wise (their indices, then their outputs flattened in each
 * shape's `outputs` order); events precede the outcomes they belong to.
 */
export interface ResultsMessage {
  readonly type: "results";
  readonly seq: number;
  readonly done: readonly number[];
  readonly outputs: readonly unknown[];
  readonly failures: ReadonlyArray<readonly [index: number, failure: WireFailure]>;
  /** Absent when there are none (most messages: an empty typed array still costs a clone). */
  readonly events?: PackedEvents;
  /** Time the worker spent running the tasks reported here (ms), to size later batches. */
  readonly busyMs: number;
}

export type FromWorker = ReadyMessage | StartedMessage | ResultsMessage;

/**
 * Node events as numbers, four per event: `[task index, kind, node index in the
 * task's shape, duration in ms (NaN when unknown)]`. A failed `post` takes the
 * next of `errors`, a `validation` event the next of `checks`. A batch of
 * thousands of events is then one typed array to clone.
 */
export interface PackedEvents {
  readonly codes: Float64Array;
  readonly errors: readonly SerializedError[];
  readonly checks: ReadonlyArray<readonly ValidationResult[]>;
}

const PRE = 0;
const POST_OK = 1;
const POST_FAILED = 2;
const VALIDATION = 3;

/** Worker side: collects node events as numbers until taken. */
export class EventPacker {
  private codes: number[] = [];
  private errors: SerializedError[] = [];
  private checks: Array<readonly ValidationResult[]> = [];

  add(taskIndex: number, shape: WireTaskShape, e: WireNodeEvent): void {
    const kind = e.type === "pre" ? PRE : e.type === "validation" ? VALIDATION : e.success === false ? POST_FAILED : POST_OK;
    this.codes.push(taskIndex, kind, shape.nodes.indexOf(e.nodeName), e.durationMs ?? Number.NaN);
    if (kind === POST_FAILED) this.errors.push(e.error ?? serializeError(new Error(`node "${e.nodeName}" failed`)));
    else if (kind === VALIDATION) this.checks.push(e.results ?? []);
  }

  get size(): number {
    return this.codes.length;
  }

  /** The events so far (undefined when none); the packer starts empty again. */
  take(): PackedEvents | undefined {
    if (this.codes.length === 0) return undefined;
    const out = { codes: Float64Array.from(this.codes), errors: this.errors, checks: this.checks };
    this.codes = [];
    this.errors = [];
    this.checks = [];
    return out;
  }
}

/** Pool side: replay packed events as node events, with the task index each belongs to. */
export function forEachEvent(
  events: PackedEvents,
  nodesOf: (taskIndex: number) => readonly string[] | undefined,
  fn: (taskIndex: number, event: NodeEvent) => void,
): void {
  const c = events.codes;
  let errorAt = 0;
  let checkAt = 0;
  for (let i = 0; i + 3 < c.length; i += 4) {
    const taskIndex = c[i]!;
    const kind = c[i + 1]!;
    const error = kind === POST_FAILED ? events.errors[errorAt++] : undefined;
    const results = kind === VALIDATION ? events.checks[checkAt++] : undefined;
    const nodeName = nodesOf(taskIndex)?.[c[i + 2]!];
    if (nodeName === undefined) continue;
    if (kind === PRE) fn(taskIndex, { type: "pre", nodeName });
    else if (kind === VALIDATION) fn(taskIndex, { type: "validation", nodeName, results: results ?? [] });
    else {
      const durationMs = Number.isNaN(c[i + 3]!) ? undefined : c[i + 3]!;
      fn(taskIndex, { type: "post", nodeName, success: kind === POST_OK, durationMs, ...(error ? { error: deserializeThrown(error) } : {}) });
    }
  }
}

/** Whether `check` throws for `value` (a transport's "can this cross?"), used to name the value that refused. */
export function refusesToCross(check: (value: unknown) => void, value: unknown): boolean {
  try {
    check(value);
    return false;
  } catch {
    return true;
  }
}

import type { ValidationResult } from "@hamilton-ts/kernel";
import type { SerializedError, WireTaskBatch, WireTaskResult, WorkerSetup } from "@hamilton-ts/kernel/remote";

/**
 * The IPC messages between the parent and a child process. They travel with
 * `serialization: "advanced"` (the v8 serializer), so they hold plain data,
 * typed arrays, Maps, Sets and Dates; task values went through the kernel's
 * codec registry first.
 *
 * Batches are the kernel's columnar `WireTaskBatch`: the fields tasks of one template
 * share travel once per message, values travel in flat arrays, and node events
 * as numbers, so that a message of hundreds of trivial tasks is small and cheap
 * to (de)serialize.
 */

/** How a child builds its graph: the driver's module locations, config and codec modules. */
export type ChildSetup = WorkerSetup;

/** Tasks to run, in order, as the kernel's columnar `WireTaskBatch`. */
export interface PackedBatch extends WireTaskBatch {
  readonly type: "batch";
  readonly batchId: number;
  readonly setupId: number;
  /**
   * Send node events as they happen (one-task batches: long tasks, progress
   * bars); otherwise they ride along with the results.
   */
  readonly live: boolean;
  /** Whether the caller has node hooks: without them, children collect no node events. */
  readonly events: boolean;
}

/**
 * Node events as numbers: four per event, `[task index, kind, node index in
 * the task's shape, duration in ms (NaN when unknown)]`; kind 0 is "pre",
 * 1 a successful "post", 2 a failed "post" whose error is the next of `errors`.
 */
export interface PackedEvents {
  readonly codes: Float64Array;
  readonly errors: readonly SerializedError[];
  /** The results of each `EVENT_VALIDATION`, in order. */
  readonly validations?: readonly (readonly ValidationResult[])[];
}

export const EVENT_PRE = 0;
export const EVENT_POST_OK = 1;
export const EVENT_POST_FAILED = 2;
export const EVENT_VALIDATION = 3;

/** A batch's outcome. */
export interface PackedResults {
  readonly type: "results";
  readonly batchId: number;
  /** Encoded outputs of the tasks that succeeded, task after task, in their shape's `outputs` order. */
  readonly values: readonly unknown[];
  /** Failed tasks: their index in the batch and their wire failure. */
  readonly failures: ReadonlyArray<readonly [number, Extract<WireTaskResult, { ok: false }>]>;
  readonly events: PackedEvents;
  /** Time the child spent on the batch. */
  readonly computeMs: number;
}

/** Parent → child. */
export type ToChild =
  /** Register a setup under an id; batches name it instead of repeating it. */
  | { readonly type: "setup"; readonly setupId: number; readonly setup: ChildSetup }
  | PackedBatch;

/** Child → parent. */
export type FromChild =
  /** The child listens; messages sent before this would be lost. */
  | { readonly type: "ready" }
  /** Node events of a live batch, sent as they happen. */
  | { readonly type: "events"; readonly batchId: number; readonly events: PackedEvents }
  | PackedResults
  /** The child is about to die of an uncaught exception or unhandled rejection. */
  | { readonly type: "fatal"; readonly error: SerializedError; readonly origin: string };

import type { WireNodeEvent, WireTaskBatch, WireTaskResult, WorkerSetup } from "@hamilton-ts/kernel/remote";

/**
 * Messages between the executor and its worker threads. Tasks travel in the
 * kernel's wire format (`remote/protocol.ts`); this file only adds the envelope:
 * a one-time graph setup per worker, and batches of tasks so that many tiny
 * tasks share one message each way.
 */

/** What a worker needs to build the driver's graph (sent once per worker and setup). */
export interface SetupMessage extends WorkerSetup {
  readonly type: "setup";
  readonly id: number;
}

/**
 * Tasks a worker runs one after the other, reporting back as it goes: the
 * kernel's columnar `WireTaskBatch` (inputs already through the codec registry),
 * so cloning a batch of thousands of tiny tasks costs little more than cloning
 * their values.
 */
export interface BatchMessage extends WireTaskBatch {
  readonly type: "batch";
  /** Sequence number of the batch, unique per executor. */
  readonly seq: number;
  /** Id of a setup already sent to this worker. */
  readonly setup: number;
  /** Whether to send node events back (only when the caller has node hooks). */
  readonly events: boolean;
}

export type ToWorker = SetupMessage | BatchMessage;

/**
 * Outcomes (and node events) of some tasks of a batch. Successful tasks travel
 * column-wise: their indices in the batch, and their output values flattened in
 * each shape's `outputs` order; failures as the kernel's wire results. Events
 * precede the outcomes they belong to.
 */
export interface ResultsMessage {
  readonly type: "results";
  readonly seq: number;
  readonly done: readonly number[];
  readonly outputs: readonly unknown[];
  readonly failures: ReadonlyArray<readonly [index: number, result: WireTaskResult]>;
  readonly events: ReadonlyArray<readonly [index: number, event: WireNodeEvent]>;
  /** Time the worker spent running these tasks, to size later batches. */
  readonly busyMs: number;
}

export type FromWorker = ResultsMessage;

/** What the executor passes as `workerData`. */
export interface WorkerData {
  /**
   * Shared with the executor: [batch seq, task index in batch, node index in
   * task] of what the worker is running now, so a dead worker's culprit is
   * known without a message per task.
   */
  readonly state: SharedArrayBuffer;
  /** A loader API module to `register()` first (tsx on Node versions whose workers don't inherit it). */
  readonly registerLoader?: string;
}

/** Slots of the shared state array. */
export const STATE_SEQ = 0;
export const STATE_TASK = 1;
export const STATE_NODE = 2;
export const STATE_SLOTS = 3;

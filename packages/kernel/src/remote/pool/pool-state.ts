import type { ExecutorContext, Task } from "../../executors/task-executor.js";
import type { CodecModules } from "../codec-modules.js";
import type { FlatTask } from "../task-batch.js";
import type { BatchSizer } from "./batch-sizer.js";
import type { PoolWorker, StopReason } from "./pool-transport.js";
import type { RunQueue } from "./run-queue.js";

// What a TaskPool keeps about runs, tasks, batches and workers (internal).

/** One run known to the pool (one `ExecutorContext`). */
export interface RunState {
  readonly context: ExecutorContext;
  readonly setup: number;
  readonly events: boolean;
  /** What this side may import to decode the run's outputs (the run's codec allow-list). */
  readonly codecs: CodecModules;
  readonly queue: RunQueue<Entry>;
  /** In the dispatch rotation. */
  listed: boolean;
  aborted: boolean;
}

/** A task as the pool holds it: the wire form of the task itself (one object per task), and its bookkeeping. */
export interface Entry extends FlatTask {
  readonly task: Task;
  readonly run: RunState;
  readonly timeoutMs: number | undefined;
  readonly resolve: (outputs: Record<string, unknown>) => void;
  readonly reject: (error: unknown) => void;
  /** Worker deaths blamed on this task. */
  deaths: number;
  /** Send it alone: it is a suspect of a death or hang, or being retried. */
  isolate: boolean;
  settled: boolean;
  /** The node a live batch reported as started and not yet finished. */
  node: string | undefined;
}

/** Tasks of one run sent to a worker in one message. */
export interface Batch {
  readonly seq: number;
  readonly run: RunState;
  readonly entries: readonly Entry[];
  readonly isolated: boolean;
  readonly timed: boolean;
  readonly sizer: BatchSizer;
  readonly answered: Uint8Array;
  remaining: number;
  readonly sentAt: number;
  /** The worker said it began (timed batches). */
  startedAt: number | undefined;
  /** Last message about it. */
  progressAt: number | undefined;
}

/** One worker and what it holds. */
export interface Slot {
  readonly worker: PoolWorker;
  /** Batches sent and not fully answered, oldest first: the oldest is the one running. */
  readonly batches: Batch[];
  readonly setups: Set<number>;
  /** It sent a message: it started. */
  started: boolean;
  /** The pool stopped it (its exit is expected). */
  stopped: StopReason | undefined;
}

/** The pool's clock, comparable with a worker thread's `performance.timeOrigin + performance.now()`. */
export const clock: () => number = () => performance.timeOrigin + performance.now();

/** The batch a worker runs now: the one its shared memory names, else its oldest. */
export function runningBatch(slot: Slot): Batch | undefined {
  const pos = slot.worker.position?.();
  return (pos && slot.batches.find((b) => b.seq === pos.seq)) || slot.batches[0];
}

/** The tasks of a batch not answered yet and still wanted. */
export function unanswered(batch: Batch): Entry[] {
  return batch.entries.filter((e, k) => !batch.answered[k] && !e.settled);
}

/** The node at `index` of a task, else the one its live events said runs. */
export function nodeAt(e: Entry, index: number | undefined): string | undefined {
  return index !== undefined && index >= 0 && index < e.task.nodes.length ? e.task.nodes[index] : e.node;
}

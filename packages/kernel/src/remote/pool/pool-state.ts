import type { ExecutorContext, Task, TaskSink } from "../../executors/task-executor.js";
import type { CodecModules } from "../codec-modules.js";
import type { FlatTask } from "../task-batch.js";
import type { BatchSizer } from "./batch-sizer.js";
import type { PoolWorker, StopReason } from "./pool-transport.js";
import type { RunQueue } from "./run-queue.js";

// What a TaskPool keeps about runs, tasks, batches and workers (internal).

/** One run known to the pool (one `ExecutorContext`). */
export interface RunState {
  readonly context: ExecutorContext;
  /** The signal its tasks share, known from its first task. */
  signal: AbortSignal | undefined;
  readonly setup: number;
  readonly events: boolean;
  /** What this side may import to decode the run's outputs (the run's codec allow-list). */
  readonly codecs: CodecModules;
  readonly queue: RunQueue<Entry>;
  /** In the dispatch rotation. */
  listed: boolean;
  aborted: boolean;
}

const noop = (): void => undefined;

/**
 * A task as the pool holds it: its encoded input values and its bookkeeping,
 * one small object per task (what it shares with its template, it reads from
 * the task): thousands wait or travel at once, and every live object costs
 * the calling thread's garbage collector.
 */
export class Entry implements FlatTask {
  /** Worker deaths blamed on this task. */
  deaths = 0;
  /** Send it alone: it is a suspect of a death or hang, or being retried. */
  isolate = false;
  settled = false;
  /** The node a live batch reported as started and not yet finished. */
  node: string | undefined = undefined;
  /** Where the task's end is reported (`submitTaskTo`); else its promise is settled. */
  sink: TaskSink | undefined = undefined;
  /** Settle the task's promise (set as the promise is made). */
  resolve: (outputs: Record<string, unknown>) => void = noop;
  reject: (error: unknown) => void = noop;

  constructor(
    readonly task: Task,
    readonly run: RunState,
    /** Shared by the tasks of a template (see `TaskPool.inputNamesOf`). */
    readonly inputNames: readonly string[],
    readonly values: readonly unknown[],
    readonly timeoutMs: number | undefined,
  ) {}

  get taskId(): string {
    return this.task.taskId;
  }
  get nodes(): readonly string[] {
    return this.task.nodes;
  }
  get outputs(): readonly string[] {
    return this.task.outputs;
  }
  get expanders(): readonly string[] {
    return this.task.expanders;
  }
  get items(): string | undefined {
    return this.task.items?.input;
  }
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

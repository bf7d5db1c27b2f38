/**
 * What a worker thread is running, in memory it shares with the pool, so a
 * dead or hung worker's task is known exactly without a message per task:
 * `[batch seq, task index, node index]` as Int32, then the task's start time.
 */
export const STATE_BYTES = 24;
const SEQ = 0;
const TASK = 1;
const NODE = 2;

/** `performance.timeOrigin` is a getter, and constant per thread. */
const origin = performance.timeOrigin;

/** A view of one worker's shared state. */
export class SharedState {
  private readonly ints: Int32Array;
  private readonly since: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.ints = new Int32Array(buffer, 0, 4);
    this.since = new Float64Array(buffer, 16, 1);
  }

  static create(): SharedState {
    const s = new SharedState(new SharedArrayBuffer(STATE_BYTES));
    s.ints.fill(-1);
    return s;
  }

  /** Worker side: a task starts at `performance.now()` = `at` (written first, so a reader that sees the task sees its time). */
  taskStarted(seq: number, task: number, at: number): void {
    this.since[0] = origin + at;
    Atomics.store(this.ints, NODE, -1);
    Atomics.store(this.ints, SEQ, seq);
    Atomics.store(this.ints, TASK, task);
  }

  nodeStarted(node: number): void {
    Atomics.store(this.ints, NODE, node);
  }

  /** Pool side: where the worker is, or undefined before its first task. */
  read(): { seq: number; task: number; node: number; since: number } | undefined {
    const seq = Atomics.load(this.ints, SEQ);
    if (seq < 0) return undefined;
    const task = Atomics.load(this.ints, TASK);
    return { seq, task, node: Atomics.load(this.ints, NODE), since: this.since[0]! };
  }
}

/** What the pool passes as `workerData`. */
export interface WorkerData {
  readonly state: SharedArrayBuffer;
  /** A loader API module to `register()` first (tsx on Node versions whose workers don't inherit it). */
  readonly registerLoader?: string;
}

import { SerializationError } from "../errors.js";
import { cachedTaskRunner, runWireTask, type WireNodeEvent, type WorkerSetup } from "./protocol.js";
import { failureFor } from "./task-failure.js";
import type { TaskRunner } from "./task-runner.js";
import { unpackTaskBatch, type WireTaskShape } from "./task-batch.js";
import { EventPacker, refusesToCross, type BatchMessage, type FromWorker, type ResultsMessage, type ToWorker, type WireFailure } from "./worker-envelope.js";

/** While a batch runs, send what is buffered at least this often (results and events stream). */
const FLUSH_INTERVAL_MS = 16;

const now: () => number = typeof performance !== "undefined" ? () => performance.now() : () => Date.now();

/** How a worker talks to its pool, and what it tells the transport as it goes. */
export interface WorkerLoopOptions {
  /** Send a message to the pool; throws when a value in it cannot cross. `transfer` lists buffers that may move instead of being copied. */
  send(message: FromWorker, transfer: readonly ArrayBuffer[]): void;
  /**
   * Outputs may hold `SharedArrayBuffer`s that stay shared (a worker thread).
   * False (the default) where they would arrive as copies (a process, a
   * machine): such a value fails with a SerializationError naming its node.
   */
  readonly sharedMemory?: boolean;
  /** A task starts, at `performance.now()` = `at`: `index` in batch `seq` (threads mirror this in shared memory, so a dead worker's culprit is exact). */
  onTaskStart?(seq: number, index: number, at: number): void;
  /** A node of the running task starts (only known when node events are on). */
  onNodeStart?(nodeIndex: number): void;
  /** Throws when `value` cannot be sent; used to name the output that refused. Default: `structuredClone`. */
  checkValue?(value: unknown): void;
}

/**
 * The worker side of every pooled executor: receives graph setups and
 * batches, builds each setup's graph once (the kernel's `cachedTaskRunner`),
 * runs a batch's tasks one after the other, in arrival order, and streams
 * results and node events back in as few messages as it can.
 *
 * A transport's worker entry is only: create the loop with a `send`, call
 * `ready()` once it listens, and pass every message it receives to `receive`.
 *
 * @example
 * // a worker's entry script, its channel to the pool a MessagePort (a Node worker thread's is `parentPort`)
 * declare const port: MessagePort;
 * const loop = new WorkerLoop({ send: (m, transfer) => port.postMessage(m, [...transfer]), sharedMemory: true });
 * port.onmessage = (e: MessageEvent<ToWorker>) => void loop.receive(e.data);
 * loop.ready();
 */
export class WorkerLoop {
  private readonly options: WorkerLoopOptions;
  private readonly setups = new Map<number, WorkerSetup>();
  private chain: Promise<void> = Promise.resolve();

  constructor(options: WorkerLoopOptions) {
    this.options = options;
  }

  /** Tell the pool this worker listens. */
  ready(): void {
    this.options.send({ type: "ready" }, []);
  }

  /**
   * Take a message from the pool. Batches run in arrival order, one at a time
   * (so a pool without shared memory knows the oldest unanswered batch is the
   * one running); the promise settles when this message has been handled.
   */
  receive(message: ToWorker): Promise<void> {
    if (message.type === "setup") {
      this.setups.set(message.id, message.setup);
      return Promise.resolve();
    }
    return (this.chain = this.chain.then(() => this.runBatch(message)));
  }

  /** Delay every batch until `ready` settles (e.g. a loader being registered). */
  after(ready: Promise<unknown>): void {
    this.chain = this.chain.then(() => ready).then(() => undefined);
  }

  private async runBatch(msg: BatchMessage): Promise<void> {
    const { seq, batch } = msg;
    const out = new Outbox(seq, this.options, batch.taskIds, batch.shapes, batch.shapeOf);
    let runner: TaskRunner | undefined;
    let setupError: unknown;
    try {
      const setup = this.setups.get(msg.setup);
      if (!setup) throw new Error(`the worker received batch ${seq} before its graph setup ${msg.setup}`);
      runner = await cachedTaskRunner(setup);
    } catch (error) {
      setupError = error;
    }
    if (msg.timed) this.options.send({ type: "started", seq }, []);
    const sharedMemory = this.options.sharedMemory === true;
    for (const { index: i, shape, request } of unpackTaskBatch(batch)) {
      if (!runner) {
        out.fail(i, failureFor(request.taskId, setupError));
        continue;
      }
      const started = now();
      this.options.onTaskStart?.(seq, i, started);
      // pre/post events only when the driver has node hooks (each costs a hook call per node); validation events always
      const onNodeEvent = (e: WireNodeEvent) => {
        if (e.type === "pre") this.options.onNodeStart?.(shape.nodes.indexOf(e.nodeName));
        out.event(i, shape, e, msg.live);
      };
      const { result, transfer } = await runWireTask(runner, request, { events: msg.events, onNodeEvent, sharedMemory });
      const ended = now();
      if (result.ok) out.succeed(i, shape, result.outputs as Record<string, unknown>, transfer, ended - started, ended);
      else out.fail(i, result, ended - started, ended);
    }
    out.flush();
  }
}


/** What a running batch has to say, buffered and sent in few messages. */
class Outbox {
  private done: number[] = [];
  private outputs: unknown[] = [];
  private failures: Array<readonly [number, WireFailure]> = [];
  private readonly events = new EventPacker();
  private transfer = new Set<ArrayBuffer>();
  private busyMs = 0;
  private last = now();

  constructor(
    private readonly seq: number,
    private readonly options: WorkerLoopOptions,
    private readonly taskIds: readonly string[],
    private readonly shapes: readonly WireTaskShape[],
    private readonly shapeOf: Int32Array,
  ) {}

  event(index: number, shape: WireTaskShape, e: WireNodeEvent, live: boolean): void {
    this.events.add(index, shape, e);
    // a node starting after a long gap is news worth sending now (progress bars)
    if (live || (e.type === "pre" && now() - this.last >= FLUSH_INTERVAL_MS)) this.flush();
  }

  /** A task succeeded after `busyMs`; `at` is now. */
  succeed(index: number, shape: WireTaskShape, outputs: Record<string, unknown>, transfer: readonly ArrayBuffer[], busyMs: number, at: number): void {
    this.done.push(index);
    for (const name of shape.outputs) this.outputs.push(outputs[name]);
    for (const b of transfer) this.transfer.add(b);
    this.busyMs += busyMs;
    if (at - this.last >= FLUSH_INTERVAL_MS) this.flush();
  }

  fail(index: number, failure: WireFailure, busyMs = 0, at = now()): void {
    this.failures.push([index, failure]);
    this.busyMs += busyMs;
    if (at - this.last >= FLUSH_INTERVAL_MS) this.flush();
  }

  flush(): void {
    if (this.done.length === 0 && this.failures.length === 0 && this.events.size === 0) return;
    const msg: ResultsMessage = {
      type: "results",
      seq: this.seq,
      done: this.done,
      outputs: this.outputs,
      failures: this.failures,
      events: this.events.take(),
      busyMs: this.busyMs,
    };
    const transfer = [...this.transfer];
    this.done = [];
    this.outputs = [];
    this.failures = [];
    this.transfer = new Set();
    this.busyMs = 0;
    this.last = now();
    try {
      this.options.send(msg, transfer);
    } catch (error) {
      this.sendOneByOne(msg, error);
    }
  }

  /** A message failed to cross: send each outcome alone, turning those that still fail into errors naming their node. */
  private sendOneByOne(msg: ResultsMessage, error: unknown): void {
    const send = (m: FromWorker, t: readonly ArrayBuffer[]) => this.options.send(m, t);
    const empty = { ...msg, done: [], outputs: [], failures: [], busyMs: 0, events: undefined };
    if (msg.events) {
      try {
        send({ ...empty, events: msg.events }, []);
      } catch {
        // node events are best effort; the outcomes below still settle every task
      }
    }
    const check = this.options.checkValue ?? defaultCheck;
    let at = 0;
    for (const i of msg.done) {
      const names = this.shapes[this.shapeOf[i]!]!.outputs;
      const values = msg.outputs.slice(at, at + names.length);
      at += names.length;
      try {
        send({ ...empty, done: [i], outputs: values }, []);
      } catch {
        const bad = names.find((_n, k) => refusesToCross(check, values[k])) ?? names[0];
        const detail = error instanceof Error ? error.message : String(error);
        const taskId = this.taskIds[i]!;
        const failure = failureFor(taskId, new SerializationError(`The value of node "${bad}" (task ${taskId}) cannot be sent back from the worker: ${detail}`, bad));
        send({ ...empty, failures: [[i, failure]] }, []);
      }
    }
    for (const f of msg.failures) send({ ...empty, failures: [f] }, []);
  }
}


function defaultCheck(value: unknown): void {
  structuredClone(value);
}

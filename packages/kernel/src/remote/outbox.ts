import { SerializationError } from "../errors.js";
import type { WireNodeEvent } from "./protocol.js";
import { failureFor } from "./task-failure.js";
import type { WireTaskShape } from "./task-batch.js";
import { EventPacker, refusesToCross, type FromWorker, type ResultsMessage, type WireFailure } from "./worker-envelope.js";

/** While a batch runs, send what is buffered at least this often (results and events stream). */
export const FLUSH_INTERVAL_MS = 16;

export const now: () => number = typeof performance !== "undefined" ? () => performance.now() : () => Date.now();

/** How an outbox sends, and tells what cannot cross. */
export interface OutboxChannel {
  send(message: FromWorker, transfer: readonly ArrayBuffer[]): void;
  checkValue?(value: unknown): void;
}

/**
 * What a running batch has to say, buffered and sent in few messages: the
 * indices of tasks done and their encoded outputs side by side, failures,
 * node events. A message that fails to cross is sent again outcome by
 * outcome, so only the task whose value refused fails.
 */
export class Outbox {
  private outputs: unknown[] = [];
  private transfer = new Set<ArrayBuffer>();
  /** Outputs the running task appended so far (`put`), not yet its success. */
  private staged = 0;
  private done: number[] = [];
  private failures: Array<readonly [number, WireFailure]> = [];
  private readonly events = new EventPacker();
  private busyMs = 0;
  private last = now();

  constructor(
    private readonly seq: number,
    private readonly channel: OutboxChannel,
    private readonly taskIds: readonly string[],
    private readonly shapes: readonly WireTaskShape[],
    private readonly shapeOf: Int32Array,
  ) {}

  event(index: number, shape: WireTaskShape, e: WireNodeEvent, live: boolean): void {
    this.events.add(index, shape, e);
    // a node starting is news worth sending now (progress bars): live, or after a long gap. What a node
    // ended with waits for the next flush — the next node's start, or the task's result — so a task's last
    // `post` travels with its result: a worker stopped in between (another run failed) loses both, and the
    // task's re-run elsewhere reports its nodes once, not twice
    if (e.type === "pre" && (live || now() - this.last >= FLUSH_INTERVAL_MS)) this.flush();
  }

  /** A task succeeded after `busyMs`; `at` is now. */
  succeed(index: number, shape: WireTaskShape, outputs: Record<string, unknown>, transfer: readonly ArrayBuffer[], busyMs: number, at: number): void {
    for (const name of shape.outputs) this.outputs.push(outputs[name]);
    for (const b of transfer) this.transfer.add(b);
    this.succeedEncoded(index, busyMs, at);
  }

  /** Append an encoded output of the running task, and the buffers it holds (to transfer). */
  put(value: unknown, transfer?: readonly ArrayBuffer[]): void {
    this.outputs.push(value);
    this.staged++;
    if (transfer) for (const b of transfer) this.transfer.add(b);
  }

  /** The running task failed: forget the outputs it appended. */
  dropStaged(): void {
    this.outputs.length -= this.staged;
    this.staged = 0;
  }

  /** The running task succeeded with the outputs it `put`. */
  succeedEncoded(index: number, busyMs: number, at: number): void {
    this.staged = 0;
    this.done.push(index);
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
    const transfer = this.transfer.size > 0 ? [...this.transfer] : [];
    this.done = [];
    this.outputs = [];
    this.failures = [];
    if (transfer.length > 0) this.transfer = new Set();
    this.busyMs = 0;
    this.last = now();
    try {
      this.channel.send(msg, transfer);
    } catch (error) {
      this.sendOneByOne(msg, error);
    }
  }

  /** A message failed to cross: send each outcome alone, turning those that still fail into errors naming their node. */
  private sendOneByOne(msg: ResultsMessage, error: unknown): void {
    const send = (m: FromWorker, t: readonly ArrayBuffer[]) => this.channel.send(m, t);
    const empty = { ...msg, done: [], outputs: [], failures: [], busyMs: 0, events: undefined };
    if (msg.events) {
      try {
        send({ ...empty, events: msg.events }, []);
      } catch {
        // node events are best effort; the outcomes below still settle every task
      }
    }
    const check = this.channel.checkValue ?? defaultCheck;
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

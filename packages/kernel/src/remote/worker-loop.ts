import { defineOwn } from "../codec/wire-format.js";
import type { ValidationResult } from "../errors.js";
import type { InvokeContext } from "../execution/invoke.js";
import type { GraphNode } from "../graph/function-graph.js";
import { LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import { now, Outbox } from "./outbox.js";
import { cachedTaskRunner, runWireTask, type WireNodeEvent, type WireTaskRequest, type WorkerSetup } from "./protocol.js";
import { failureFor } from "./task-failure.js";
import type { TaskRunner } from "./task-runner.js";
import { taskIdsOf, type WireTaskBatch, type WireTaskShape } from "./task-batch.js";
import type { BatchMessage, FromWorker, ToWorker } from "./worker-envelope.js";
import { runWorkerTask, shapeNodes } from "./worker-task.js";

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
    const taskIds = taskIdsOf(batch);
    const out = new Outbox(seq, this.options, taskIds, batch.shapes, batch.shapeOf);
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
    // a shape's nodes, looked up once per batch (null: this worker refuses them)
    const nodesOf: Array<GraphNode[] | null | undefined> = new Array(batch.shapes.length);
    let current = 0;
    // without node hooks in the caller, only output checks report (validation events always go back)
    const onValidation = (nodeName: string, results: readonly ValidationResult[]) =>
      out.event(current, batch.shapes[batch.shapeOf[current]!]!, { taskId: taskIds[current]!, type: "validation", nodeName, results }, msg.live);
    let offset = 0;
    for (let i = 0; i < taskIds.length; i++) {
      const s = batch.shapeOf[i]!;
      const shape = batch.shapes[s]!;
      const at = offset;
      offset += shape.inputs.length;
      const taskId = taskIds[i]!;
      if (!runner) {
        out.fail(i, failureFor(taskId, setupError));
        continue;
      }
      const started = now();
      this.options.onTaskStart?.(seq, i, started);
      if (msg.events && shape.items === undefined) {
        // the caller has node hooks: pre/post events for every node, through the general path
        await this.runWithEvents(runner, msg, i, shape, requestOf(batch, taskId, i, at), out, started);
        continue;
      }
      let nodes = nodesOf[s];
      if (nodes === undefined) {
        try {
          nodes = shapeNodes(runner, shape, batch.graphFingerprint, taskId);
        } catch {
          nodes = null;
        }
        nodesOf[s] = nodes;
      }
      try {
        // the error names the task: found again for each
        if (nodes === null) nodes = shapeNodes(runner, shape, batch.graphFingerprint, taskId);
        current = i;
        const ctx: InvokeContext = { runId: batch.runId, taskId, hooks: LifecycleHooks.none, adapter: undefined, onValidation };
        const pending = runWorkerTask(runner, nodes, shape, batch.values, at, ctx, sharedMemory, out);
        if (pending) await pending;
      } catch (error) {
        out.dropStaged();
        const ended = now();
        out.fail(i, failureFor(taskId, error), ended - started, ended);
        continue;
      }
      const ended = now();
      out.succeedEncoded(i, ended - started, ended);
    }
    out.flush();
  }

  private async runWithEvents(runner: TaskRunner, msg: BatchMessage, i: number, shape: WireTaskShape, request: WireTaskRequest, out: Outbox, started: number): Promise<void> {
    const onNodeEvent = (e: WireNodeEvent) => {
      if (e.type === "pre") this.options.onNodeStart?.(shape.nodes.indexOf(e.nodeName));
      out.event(i, shape, e, msg.live);
    };
    const { result, transfer } = await runWireTask(runner, request, { events: true, onNodeEvent, sharedMemory: this.options.sharedMemory === true });
    const ended = now();
    if (result.ok) out.succeed(i, shape, result.outputs as Record<string, unknown>, transfer, ended - started, ended);
    else out.fail(i, result, ended - started, ended);
  }
}

/** The wire request of task `i` of a batch (inputs still encoded), its values starting at `offset`. */
function requestOf(batch: WireTaskBatch, taskId: string, i: number, offset: number): WireTaskRequest {
  const shape = batch.shapes[batch.shapeOf[i]!]!;
  const inputs: Record<string, unknown> = {};
  for (let k = 0; k < shape.inputs.length; k++) defineOwn(inputs, shape.inputs[k]!, batch.values[offset + k]);
  return { runId: batch.runId, taskId, nodes: shape.nodes, inputs, outputs: shape.outputs, expanders: shape.expanders, graphFingerprint: batch.graphFingerprint };
}

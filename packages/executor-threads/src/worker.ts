// The worker thread's entry point. It imports the driver's modules by location,
// builds the graph once per setup (the kernel's `cachedTaskRunner`), and runs
// batches of wire tasks in order, reporting results and node events back in as
// few messages as it can while still streaming.
import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { SerializationError } from "@hamilton-ts/kernel";
import { cachedTaskRunner, failureFor, runWireTask, unpackTaskBatch, type WireNodeEvent, type WireTaskResult } from "@hamilton-ts/kernel/remote";
import { STATE_NODE, STATE_SEQ, STATE_TASK, type BatchMessage, type ResultsMessage, type SetupMessage, type ToWorker, type WorkerData } from "./messages.js";

/** Send what is buffered at least this often while a batch runs (results and events stream). */
const FLUSH_INTERVAL_MS = 16;

const port = parentPort!;
const data = workerData as WorkerData;
const state = new Int32Array(data.state);
const setups = new Map<number, SetupMessage>();

const ready: Promise<unknown> = data.registerLoader
  ? import(data.registerLoader).then((api: { register?: () => unknown }) => api.register?.())
  : Promise.resolve();
let chain: Promise<unknown> = ready;

port.on("message", (msg: ToWorker) => {
  if (msg.type === "setup") setups.set(msg.id, msg);
  else chain = chain.then(() => runBatch(msg));
});

async function runBatch(batch: BatchMessage): Promise<void> {
  const { seq, taskIds } = batch;
  const count = taskIds.length;
  let done: number[] = [];
  let outputs: unknown[] = [];
  let failures: Array<readonly [number, WireTaskResult]> = [];
  let events: Array<readonly [number, WireNodeEvent]> = [];
  let transfer = new Set<ArrayBuffer>();
  let busyMs = 0;
  let last = performance.now();

  const flush = () => {
    if (done.length === 0 && failures.length === 0 && events.length === 0) return;
    const msg: ResultsMessage = { type: "results", seq, done, outputs, failures, events, busyMs };
    try {
      port.postMessage(msg, [...transfer]);
    } catch (error) {
      sendOneByOne(batch, msg, error);
    }
    done = [];
    outputs = [];
    failures = [];
    events = [];
    transfer = new Set();
    busyMs = 0;
    last = performance.now();
  };

  Atomics.store(state, STATE_SEQ, seq);
  Atomics.store(state, STATE_TASK, 0);
  Atomics.store(state, STATE_NODE, -1);
  const setup = setups.get(batch.setup);
  let runner;
  try {
    if (!setup) throw new Error(`worker received batch ${seq} before its graph setup ${batch.setup}`);
    runner = await cachedTaskRunner({
      modules: setup.modules,
      config: setup.config,
      allowModuleOverrides: setup.allowModuleOverrides,
      codecModules: setup.codecModules,
    });
  } catch (error) {
    for (let i = 0; i < count; i++) failures.push([i, failureFor(taskIds[i]!, error)]);
    flush();
    return;
  }

  for (const { index: i, request: req } of unpackTaskBatch(batch)) {
    Atomics.store(state, STATE_TASK, i);
    Atomics.store(state, STATE_NODE, -1);
    // pre/post events cost a hook call per node: only when the caller has node hooks
    // (they also tell which node of a multi-node task was running if the worker dies);
    // validation events always come back
    const onEvent = (e: WireNodeEvent) => {
      if (e.type === "pre") Atomics.store(state, STATE_NODE, req.nodes.indexOf(e.nodeName));
      events.push([i, e]);
      // a node starting after a long gap is news worth sending now (progress bars)
      if (e.type === "pre" && performance.now() - last >= FLUSH_INTERVAL_MS) flush();
    };
    const started = performance.now();
    const { result, transfer: buffers } = await runWireTask(runner, req, { events: batch.events, onNodeEvent: onEvent });
    const now = performance.now();
    busyMs += now - started;
    if (result.ok) {
      done.push(i);
      const out = result.outputs as Record<string, unknown>;
      for (const name of req.outputs) outputs.push(out[name]);
      for (const b of buffers) transfer.add(b);
    } else {
      failures.push([i, result]);
    }
    if (now - last >= FLUSH_INTERVAL_MS) flush();
  }
  flush();
}

/** A message failed to clone: send each outcome alone, turning the ones that still fail into errors naming their task. */
function sendOneByOne(batch: BatchMessage, msg: ResultsMessage, error: unknown): void {
  const empty = { type: "results", seq: msg.seq, done: [], outputs: [], failures: [], events: [], busyMs: 0 } as const;
  if (msg.events.length > 0) {
    try {
      port.postMessage({ ...empty, events: msg.events } satisfies ResultsMessage);
    } catch {
      // node events are best effort; the outcomes below still settle every task
    }
  }
  let at = 0;
  for (const i of msg.done) {
    const n = batch.shapes[batch.shapeOf[i]!]!.outputs.length;
    const values = msg.outputs.slice(at, at + n);
    at += n;
    try {
      port.postMessage({ ...empty, done: [i], outputs: values } satisfies ResultsMessage);
    } catch {
      const cause = error instanceof Error ? error.message : String(error);
      const taskId = batch.taskIds[i]!;
      const names = batch.shapes[batch.shapeOf[i]!]!.outputs;
      const failure = failureFor(
        taskId,
        new SerializationError(`The outputs (${names.join(", ")}) of task ${taskId} cannot be sent back from the worker thread: ${cause}`, names[0]),
      );
      port.postMessage({ ...empty, failures: [[i, failure]] } satisfies ResultsMessage);
    }
  }
  for (const f of msg.failures) port.postMessage({ ...empty, failures: [f] } satisfies ResultsMessage);
}

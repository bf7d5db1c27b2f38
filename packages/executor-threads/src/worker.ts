// The worker thread's entry point. It imports the driver's modules by location,
// builds the graph once per setup (the kernel's `cachedTaskRunner`), and runs
// batches of wire tasks in order, reporting results and node events back in as
// few messages as it can while still streaming.
import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { cachedTaskRunner, failureFor, runWireTask, SerializationError, type WireNodeEvent, type WireTaskResult } from "@hamilton-ts/kernel";
import { STATE_NODE, STATE_SEQ, STATE_TASK, type BatchMessage, type ResultsMessage, type SetupMessage, type ToWorker, type WorkerData } from "./messages.js";

/** Send what is buffered at least this often while a batch runs (results and events stream). */
const FLUSH_INTERVAL_MS = 4;

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
  const { seq, tasks } = batch;
  let results: Array<readonly [number, WireTaskResult]> = [];
  let events: Array<readonly [number, WireNodeEvent]> = [];
  let transfer = new Set<ArrayBuffer>();
  let busyMs = 0;
  let last = performance.now();

  const flush = () => {
    if (results.length === 0 && events.length === 0) return;
    const msg: ResultsMessage = { type: "results", seq, results, events, busyMs };
    try {
      port.postMessage(msg, [...transfer]);
    } catch (error) {
      sendOneByOne(msg, error);
    }
    results = [];
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
    runner = await cachedTaskRunner({ modules: setup.modules, config: setup.config, allowModuleOverrides: setup.allowModuleOverrides });
  } catch (error) {
    for (let i = 0; i < tasks.length; i++) results.push([i, failureFor(tasks[i]!.taskId, error)]);
    flush();
    return;
  }

  for (let i = 0; i < tasks.length; i++) {
    const req = tasks[i]!;
    Atomics.store(state, STATE_TASK, i);
    Atomics.store(state, STATE_NODE, -1);
    const onEvent = (e: WireNodeEvent) => {
      if (e.type === "pre") Atomics.store(state, STATE_NODE, req.nodes.indexOf(e.nodeName));
      if (!batch.events) return;
      events.push([i, e]);
      // a node starting after a long gap is news worth sending now (progress bars)
      if (e.type === "pre" && performance.now() - last >= FLUSH_INTERVAL_MS) flush();
    };
    const started = performance.now();
    const { result, transfer: buffers } = await runWireTask(runner, req, onEvent);
    const now = performance.now();
    busyMs += now - started;
    results.push([i, result]);
    for (const b of buffers) transfer.add(b);
    if (now - last >= FLUSH_INTERVAL_MS) flush();
  }
  flush();
}

/** A message failed to clone: send each result alone, turning the ones that still fail into errors naming their task. */
function sendOneByOne(msg: ResultsMessage, error: unknown): void {
  if (msg.events.length > 0) {
    try {
      port.postMessage({ ...msg, results: [] } satisfies ResultsMessage);
    } catch {
      // node events are best effort; the results below still settle every task
    }
  }
  for (const [i, r] of msg.results) {
    try {
      port.postMessage({ type: "results", seq: msg.seq, results: [[i, r]], events: [], busyMs: 0 } satisfies ResultsMessage);
    } catch {
      const cause = error instanceof Error ? error.message : String(error);
      const failure = failureFor(
        r.taskId,
        new SerializationError(`The outputs of task ${r.taskId} cannot be sent back from the worker thread: ${cause}`, r.ok ? undefined : r.nodeName),
      );
      port.postMessage({ type: "results", seq: msg.seq, results: [[i, failure]], events: [], busyMs: 0 } satisfies ResultsMessage);
    }
  }
}

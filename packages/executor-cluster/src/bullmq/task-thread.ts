// Entry of a BullMQ worker thread: builds (and caches) one graph per run setup,
// decodes a job's payload, runs its tasks by node name and encodes the outcome.
// Runs off the worker's main thread so a long or endless node never stops the
// main thread from renewing job locks, and can be stopped by terminating us.
import { parentPort, workerData } from "node:worker_threads";
import { GraphError, SerializationError } from "@hamilton-ts/kernel";
import type { NodeEvent } from "@hamilton-ts/kernel/contracts";
import { decodeValue, loadModules, nodeEventToWire, TaskRunner, type WireNodeEvent } from "@hamilton-ts/kernel/remote";
import { fromBase64, toBase64, v8Refuses, validatePayload, wireFailure, type JobOutcome, type JobShape, type WireFailure } from "./job-format.js";
import {
  PHASE_DECODE,
  PHASE_GRAPH,
  PHASE_IDLE,
  FLOAT_SINCE,
  FLOAT_TIMEOUT,
  SINCE_OFFSET,
  SLOT_NODE,
  SLOT_PHASE,
  type ThreadData,
  type ThreadJob,
  type ThreadReply,
  type ThreadSetup,
} from "./thread-protocol.js";

const data = workerData as ThreadData;
const ints = new Int32Array(data.state, 0, 2);
const floats = new Float64Array(data.state, SINCE_OFFSET, 2);
const port = parentPort!;

function phase(p: number, timeoutMs = 0): void {
  floats[FLOAT_SINCE] = Date.now();
  floats[FLOAT_TIMEOUT] = timeoutMs;
  Atomics.store(ints, SLOT_NODE, 0);
  Atomics.store(ints, SLOT_PHASE, p);
}

// One graph per run setup; a bounded number, since setups come from the queue.
const MAX_GRAPHS = 32;
const runners = new Map<string, Promise<TaskRunner>>();

async function runnerFor(id: string, setup: ThreadSetup): Promise<TaskRunner> {
  let r = runners.get(id);
  if (r) {
    runners.delete(id);
    runners.set(id, r); // most recently used last
  } else {
    // codec modules: only this worker's allow-list (a job is not trusted), imported from near the pipeline when a value needs one
    r = TaskRunner.create({ modules: setup.modules, config: setup.config, allowModuleOverrides: setup.allowModuleOverrides, codecModules: data.codecModules });
    r.catch(() => runners.delete(id));
    runners.set(id, r);
    if (runners.size > MAX_GRAPHS) runners.delete(runners.keys().next().value!);
  }
  const runner = await r;
  if (runner.fingerprint !== setup.fingerprint) {
    throw new GraphError(
      `The job was sent by a driver whose graph differs from this worker's (fingerprint ${setup.fingerprint} vs ${runner.fingerprint}, ` +
        `modules ${setup.modules.join(", ")}). Deploy the same code to the driver and the workers.`,
    );
  }
  return runner;
}


const watched = new WeakMap<JobShape, boolean>();

/** Whether a task of this shape must report node events even when the driver has no node hooks. */
function needsEvents(runner: TaskRunner, shape: JobShape): boolean {
  let w = watched.get(shape);
  if (w === undefined) {
    w = shape.nodes.length > 1 || shape.nodes.some((n) => (runner.graph.get(n)?.spec?.checks?.length ?? 0) > 0);
    watched.set(shape, w);
  }
  return w;
}

async function runJob(job: ThreadJob): Promise<ThreadReply> {
  let runner: TaskRunner;
  try {
    phase(PHASE_GRAPH);
    runner = await runnerFor(job.setupId, job.setup);
  } catch (error) {
    return { t: "refused", failure: wireFailure(error) };
  }
  let payload;
  let values: unknown[];
  try {
    phase(PHASE_DECODE);
    payload = validatePayload(fromBase64(job.payload, job.maxPayloadBytes));
    // every value decoded up front, in the decode phase: a hostile value is bounded by the decode timeout, not a node's
    values = (runner.codecs.needsImport(payload.values) ? await runner.codecs.decode(payload.values) : decodeValue(payload.values)) as unknown[];
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    return { t: "refused", failure: wireFailure(new SerializationError(`Job ${job.jobId} cannot be decoded: ${cause.message}`, undefined, { cause })) };
  }
  const skip = new Map(job.skip);
  const outputs: unknown[] = [];
  const failures: (readonly [number, WireFailure])[] = [];
  const events: (readonly [number, readonly WireNodeEvent[]])[] = [];
  const perTask: number[] = [];
  let nodeFailed: string | undefined;
  let offset = 0;
  for (let i = 0; i < payload.count; i++) {
    const shape = payload.shapes[payload.shapeOf ? payload.shapeOf[i]! : 0]!;
    const inputs: Record<string, unknown> = {};
    for (const name of shape.inputs) inputs[name] = values[offset++];
    const skipped = skip.get(i);
    if (skipped) {
      failures.push([i, skipped]);
      continue;
    }
    phase(i, shape.timeoutMs ?? 0);
    const mine: WireNodeEvent[] = [];
    // node events say which node runs (for a timeout's message) and carry checkOutput results; a plain one-node task needs none
    const watch = job.events || needsEvents(runner, shape);
    const onEvent = watch
      ? (e: NodeEvent) => {
          if (e.type === "pre") Atomics.store(ints, SLOT_NODE, Math.max(0, shape.nodes.indexOf(e.nodeName)));
          if (job.events || e.type === "validation") mine.push(nodeEventToWire("", e));
        }
      : undefined;
    const taskId = `${job.jobId}#${i}`;
    try {
      const out = await runner.run({ runId: job.jobId, taskId, nodes: shape.nodes, inputs, outputs: shape.outputs, expanders: shape.expanders }, onEvent);
      const at = outputs.length;
      // through the runner's codecs: a value of a type whose codec is not loaded yet imports an allowed module
      for (const name of shape.outputs) outputs.push((await runner.codecs.encode(out[name], { nodeName: name })).value);
      perTask.push(i, at);
    } catch (error) {
      const f = wireFailure(error);
      failures.push([i, f]);
      if (f.kind === "NodeExecutionError") nodeFailed ??= `Node "${f.nodeName}" failed: ${f.error.message}`;
    }
    if (mine.length > 0) events.push([i, mine]);
  }
  phase(PHASE_IDLE);
  const outcome: JobOutcome = { outputs, ...(failures.length > 0 ? { failures } : {}), ...(events.length > 0 ? { events } : {}) };
  try {
    return { t: "done", out: toBase64(outcome), nodeFailed };
  } catch {
    return { t: "done", out: toBase64(refuseUnserializable(outcome, payload, perTask)), nodeFailed };
  }
}

/** v8 refused an output (a SharedArrayBuffer, too deep a value): fail the tasks whose outputs it was, naming the node. */
function refuseUnserializable(outcome: JobOutcome, payload: ReturnType<typeof validatePayload>, perTask: readonly number[]): JobOutcome {
  const outputs: unknown[] = [];
  const failures = [...(outcome.failures ?? [])];
  for (let k = 0; k < perTask.length; k += 2) {
    const i = perTask[k]!;
    const at = perTask[k + 1]!;
    const names = payload.shapes[payload.shapeOf ? payload.shapeOf[i]! : 0]!.outputs;
    const values = outcome.outputs.slice(at, at + names.length);
    const bad = names.findIndex((_, j) => v8Refuses(values[j]));
    if (bad < 0) outputs.push(...values);
    else {
      const error = new SerializationError(
        `The value of node "${names[bad]}" cannot be sent back from a BullMQ worker (v8 cannot serialize it: a SharedArrayBuffer, or nested too deep). Return plain data.`,
        names[bad],
      );
      failures.push([i, wireFailure(error)]);
    }
  }
  return { ...outcome, outputs, failures };
}

port.on("message", (job: ThreadJob) => {
  runJob(job).then(
    (reply) => port.postMessage(reply),
    (error: unknown) => port.postMessage({ t: "refused", failure: wireFailure(error) } satisfies ThreadReply),
  );
});
phase(PHASE_IDLE);
// import the worker's modules now: a module that fails to import fails startWorker, and jobs start warm
const registered = data.tsx
  ? import(data.tsx).then((api: { register?: () => unknown; default?: { register?: () => unknown } }) => (api.register ?? api.default?.register)?.())
  : Promise.resolve();
registered.then(() => loadModules(data.modules)).then(
  () => port.postMessage({ t: "up" } satisfies ThreadReply),
  (error: unknown) => port.postMessage({ t: "start-failed", message: error instanceof Error ? error.message : String(error) } satisfies ThreadReply),
);

// Worker side of the job format: a job's payload into tasks for the worker's
// thread pool, and what the pool answers into the job's outcome. Values are
// relayed as they came (see worker-pool.ts); only the job's frame is decoded
// here, in the main thread, bounded by maxPayloadBytes.
import { ExecutorError, NodeExecutionError, SerializationError } from "@hamilton-ts/kernel";
import type { ExecutorContext, NodeEvent } from "@hamilton-ts/kernel/contracts";
import { cachedTaskRunner, nodeEventToWire, runWireTask, workerSetupOf, type TaskRunner, type WireNodeEvent } from "@hamilton-ts/kernel/remote";
import { fromBase64, toBase64, validatePayload, v8Refuses, wireFailure, type JobOutcome, type JobPayload, type WireFailure } from "./job-format.js";
import type { RelayedTask, WorkerPool } from "./worker-pool.js";

/** A job's tasks ran: its outcome (base64), and the first node error's message, for BullMQ's own retries. */
export interface JobResult {
  readonly out: string;
  readonly nodeFailed?: string;
}

/** The run a job's tasks belong to in the pool: one per (setup, node events), shared by every job naming it. */
export interface JobRun {
  readonly context: ExecutorContext;
  /** Never aborted: a job, once taken, runs to its end (BullMQ's locks decide whose it is). */
  readonly signal: AbortSignal;
  /** One node list per template, so tasks of many jobs share a shape and a batch size in the pool. */
  readonly nodeLists: Map<string, readonly string[]>;
  /** The graph in the main thread, built the first time a tiny task runs inline. */
  runner?: Promise<TaskRunner>;
}

const MAX_NODE_LISTS = 1024;
const never = new AbortController().signal;

/** A new run for a setup's context. */
export function jobRun(context: ExecutorContext): JobRun {
  return { context, signal: never, nodeLists: new Map() };
}

function nodeList(run: JobRun, nodes: readonly string[]): readonly string[] {
  const key = nodes.join("\u0000");
  let list = run.nodeLists.get(key);
  if (!list) {
    if (run.nodeLists.size >= MAX_NODE_LISTS) run.nodeLists.clear(); // crafted jobs may name endless lists: a bound, not a cache policy
    run.nodeLists.set(key, (list = nodes));
  }
  return list;
}

/** Decode a job's payload frame; throws a SerializationError naming the job. */
export function decodePayload(jobId: string, payload: string, maxPayloadBytes: number): JobPayload {
  try {
    return validatePayload(fromBase64(payload, maxPayloadBytes));
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    throw new SerializationError(`Job ${jobId} cannot be decoded: ${cause.message}`, undefined, { cause });
  }
}

/** A task's error as the driver expects it: a dead or unstartable thread as an ExecutorError naming the node. */
function failureOf(error: unknown): WireFailure {
  if (NodeExecutionError.isInstance(error) && ExecutorError.isInstance(error.cause)) return { ...wireFailure(error.cause), nodeName: error.nodeName };
  return wireFailure(error);
}

/** What became of one task: its outputs (encoded, by name) or its failure. */
type Outcome = { readonly ok: true; readonly outputs: Record<string, unknown> } | { readonly ok: false; readonly failure: WireFailure };

const now = () => performance.now();

/**
 * Run tiny tasks here, in the main thread, one after the other: a thread hop
 * costs more than they do. The graph is the one a thread would build.
 */
async function runInline(pool: WorkerPool, run: JobRun, jobId: string, payload: JobPayload, which: readonly number[], starts: readonly number[], events: boolean, taskEvents: (WireNodeEvent[] | undefined)[], into: Outcome[]): Promise<void> {
  let runner: TaskRunner;
  try {
    runner = await (run.runner ??= cachedTaskRunner(workerSetupOf(run.context)));
  } catch (error) {
    for (const i of which) into[i] = { ok: false, failure: wireFailure(error) };
    return;
  }
  // per template: tasks, time, longest
  const times = new Map<readonly string[], [number, number, number]>();
  for (const i of which) {
    const shape = payload.shapes[payload.shapeOf ? payload.shapeOf[i]! : 0]!;
    const inputs = Object.create(null) as Record<string, unknown>; // names come from a job: "__proto__" is just a name
    for (let k = 0; k < shape.inputs.length; k++) inputs[shape.inputs[k]!] = payload.values[starts[i]! + k];
    const nodes = nodeList(run, shape.nodes);
    const request = { runId: jobId, taskId: `${jobId}#${i}`, nodes, inputs, outputs: shape.outputs, expanders: shape.expanders, graphFingerprint: run.context.graphFingerprint };
    const t = now();
    const { result } = await runWireTask(runner, request, { events, onNodeEvent: (e) => (taskEvents[i] ??= []).push(e), sharedMemory: false });
    const ms = now() - t;
    const time = times.get(nodes);
    if (time) (time[0]++, (time[1] += ms), (time[2] = Math.max(time[2], ms)));
    else times.set(nodes, [1, ms, ms]);
    if (result.ok) into[i] = { ok: true, outputs: result.outputs as Record<string, unknown> };
    else {
      const { taskId: _, ...failure } = result;
      into[i] = { ok: false, failure };
    }
  }
  for (const [nodes, [tasks, busyMs, longestMs]] of times) pool.tiny.ranInline(nodes, tasks, busyMs, longestMs);
}

/** Run a job's tasks (on the pool, or tiny ones inline); never rejects (every task's failure is in the outcome). */
export async function runJob(pool: WorkerPool, run: JobRun, jobId: string, payload: JobPayload, events: boolean): Promise<JobResult> {
  const outcomes: Outcome[] = new Array(payload.count);
  const pooled: Promise<void>[] = [];
  const inline: number[] = [];
  const starts: number[] = new Array(payload.count);
  const taskEvents: (WireNodeEvent[] | undefined)[] = new Array(payload.count);
  let offset = 0;
  for (let i = 0; i < payload.count; i++) {
    const shape = payload.shapes[payload.shapeOf ? payload.shapeOf[i]! : 0]!;
    starts[i] = offset;
    const nodes = nodeList(run, shape.nodes);
    // a task with a timeout always runs in a thread, where an overrun can be stopped
    if (pool.inlineTinyTasks && shape.timeoutMs === undefined && pool.tiny.inline(nodes)) {
      inline.push(i);
      offset += shape.inputs.length;
      continue;
    }
    const values = payload.values.slice(offset, offset + shape.inputs.length);
    offset += shape.inputs.length;
    const reportNodeEvent = (e: NodeEvent) => {
      // pre/post only when the driver has node hooks; validation results always (checkOutput runs here)
      if (events || e.type === "validation") (taskEvents[i] ??= []).push(nodeEventToWire("", e));
    };
    const task: RelayedTask = {
      runId: jobId,
      context: run.context,
      taskId: `${jobId}#${i}`,
      nodes,
      inputs: {},
      wire: { inputNames: shape.inputs, values },
      outputs: shape.outputs,
      expanders: shape.expanders,
      path: [],
      isBlock: false,
      block: undefined,
      purpose: "plain",
      attempt: 1,
      timeoutMs: shape.timeoutMs,
      signal: run.signal,
      run: () => Promise.reject(new Error("a relayed task runs in the worker's threads only")),
      reportNodeEvent,
    };
    pooled.push(
      pool.submitTask(task).then(
        (outputs) => void (outcomes[i] = { ok: true, outputs }),
        (error: unknown) => void (outcomes[i] = { ok: false, failure: failureOf(error) }),
      ),
    );
  }
  if (inline.length > 0) await runInline(pool, run, jobId, payload, inline, starts, events, taskEvents, outcomes);
  await Promise.all(pooled);
  const outputs: unknown[] = [];
  const failures: (readonly [number, WireFailure])[] = [];
  const perTask: number[] = [];
  let nodeFailed: string | undefined;
  outcomes.forEach((o, i) => {
    const shape = payload.shapes[payload.shapeOf ? payload.shapeOf[i]! : 0]!;
    if (o.ok) {
      perTask.push(i, outputs.length);
      for (const name of shape.outputs) outputs.push(o.outputs[name]);
      return;
    }
    const f = o.failure;
    failures.push([i, f]);
    if (f.kind === "NodeExecutionError") nodeFailed ??= `Node "${f.nodeName}" failed: ${f.error.message}`;
  });
  const ev: (readonly [number, readonly WireNodeEvent[]])[] = [];
  taskEvents.forEach((e, i) => e && ev.push([i, e]));
  const outcome: JobOutcome = { outputs, ...(failures.length > 0 ? { failures } : {}), ...(ev.length > 0 ? { events: ev } : {}) };
  try {
    return { out: toBase64(outcome), nodeFailed };
  } catch {
    return { out: toBase64(refuseUnserializable(outcome, payload, perTask)), nodeFailed };
  }
}

/** v8 refused an output (too deep a value, a SharedArrayBuffer that crossed to this thread): fail the tasks whose outputs it was, naming the node. */
function refuseUnserializable(outcome: JobOutcome, payload: JobPayload, perTask: readonly number[]): JobOutcome {
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

// Worker side of the job format: a job's payload into tasks for the worker's
// thread pool, and what the pool answers into the job's outcome. Values are
// relayed as they came (see worker-pool.ts); only the job's frame is decoded
// here, in the main thread, bounded by maxPayloadBytes.
import { ExecutorError, NodeExecutionError, SerializationError } from "@hamilton-ts/kernel";
import type { NodeEvent } from "@hamilton-ts/kernel/contracts";
import { nodeEventToWire, type WireNodeEvent } from "@hamilton-ts/kernel/remote";
import { encodedItemCount, fromBase64, toBase64, validatePayload, v8Refuses, wireFailure, type JobOutcome, type JobPayload, type WireFailure } from "./job-format.js";
import { runInline, type Outcome } from "./inline-tasks.js";
import { nodeList, type JobRun } from "./job-run.js";
import type { RelayedTask, WorkerPool } from "./worker-pool.js";

/** A job's tasks ran: its outcome (base64), and the first node error's message, for BullMQ's own retries. */
export interface JobResult {
  readonly out: string;
  readonly nodeFailed?: string;
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

/** Run a job's tasks (on the pool, or tiny ones inline); never rejects (every task's failure is in the outcome). */
export async function runJob(pool: WorkerPool, run: JobRun, jobId: string, payload: JobPayload, events: boolean): Promise<JobResult> {
  const outcomes: Outcome[] = new Array(payload.count);
  const pooled: Promise<void>[] = [];
  const inline: number[] = [];
  const starts: number[] = new Array(payload.count);
  const taskEvents: (WireNodeEvent[] | undefined)[] = new Array(payload.count);
  // each template's one node list in this run, looked up once per job
  const nodeLists = payload.shapes.map((s) => nodeList(run, s.nodes));
  let offset = 0;
  for (let i = 0; i < payload.count; i++) {
    const s = payload.shapeOf ? payload.shapeOf[i]! : 0;
    const shape = payload.shapes[s]!;
    const nodes = nodeLists[s]!;
    starts[i] = offset;
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
      ...(shape.items !== undefined ? { items: { input: shape.items, first: 0, count: encodedItemCount(values[shape.inputs.indexOf(shape.items)]) } } : {}),
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
  if (inline.length > 0) await runInline(pool, run, jobId, payload, nodeLists, inline, starts, events, taskEvents, outcomes);
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

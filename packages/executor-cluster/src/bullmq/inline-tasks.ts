// Tiny tasks run in the BullMQ worker's main thread (see tiny-templates.ts for
// which): the graph a thread would build, the same decoding, running and
// encoding as a thread's, without a promise or an object copy more than the
// task needs. Values are plain data in the common case; a value that needs a
// codec not loaded yet goes through the runner's codec allow-list.
import { cachedTaskRunner, decodeValue, encodeValue, isEnvelope, nodeEventToWire, workerSetupOf, type TaskRunner, type WireNodeEvent } from "@hamilton-ts/kernel/remote";
import type { NodeEvent } from "@hamilton-ts/kernel/contracts";
import { wireFailure, type JobPayload, type WireFailure } from "./job-format.js";
import type { JobRun } from "./job-run.js";
import type { WorkerPool } from "./worker-pool.js";

/** What became of one task: its outputs (encoded, by name) or its failure. */
export type Outcome = { readonly ok: true; readonly outputs: Record<string, unknown> } | { readonly ok: false; readonly failure: WireFailure };

const now = () => performance.now();
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Set a property whatever its name ("__proto__" comes from a job like any other name). */
function setOwn(o: Record<string, unknown>, name: string, value: unknown): void {
  if (name === "__proto__") Object.defineProperty(o, name, { value, enumerable: true, writable: true, configurable: true });
  else o[name] = value;
}

/** Whether a value crosses as it is (no codec, no copy): a primitive. */
const plain = (v: unknown): boolean => v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol");

/**
 * Run the job's tasks `which` here, one after the other; `starts[i]` is where
 * task i's input values begin in the payload, `nodeLists[s]` shape s's node list in the run. Each template's time goes back
 * to `pool.tiny`, so one that turns slow returns to the threads.
 */
export async function runInline(
  pool: WorkerPool,
  run: JobRun,
  jobId: string,
  payload: JobPayload,
  nodeLists: readonly (readonly string[])[],
  which: readonly number[],
  starts: readonly number[],
  events: boolean,
  taskEvents: (WireNodeEvent[] | undefined)[],
  into: Outcome[],
): Promise<void> {
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
    const nodes = nodeLists[payload.shapeOf ? payload.shapeOf[i]! : 0]!;
    const t = now();
    let branches = 1;
    try {
      const inputs: Record<string, unknown> = {};
      for (let k = 0; k < shape.inputs.length; k++) {
        const name = shape.inputs[k]!;
        const wire = payload.values[starts[i]! + k];
        // plain values as they are; an envelope whose codec is not loaded yet imports an allowed module first
        const options = { nodeName: name, single: true };
        const value = plain(wire) ? wire : isEnvelope(wire) && runner.codecs.needsImport(wire) ? await runner.codecs.decode(wire, options) : decodeValue(wire, options);
        setOwn(inputs, name, value);
      }
      if (shape.items !== undefined && Array.isArray(inputs[shape.items])) branches = (inputs[shape.items] as unknown[]).length;
      const onNodeEvent = (e: NodeEvent) => void (taskEvents[i] ??= []).push(nodeEventToWire("", e));
      const request = {
        runId: jobId,
        taskId: `${jobId}#${i}`,
        nodes,
        inputs,
        outputs: shape.outputs,
        expanders: shape.expanders,
        graphFingerprint: run.context.graphFingerprint,
        ...(shape.items !== undefined ? { items: shape.items } : {}),
      };
      const out = await runner.run(request, { events, onNodeEvent });
      const outputs: Record<string, unknown> = {};
      for (const name of shape.outputs) {
        const value = hasOwn(out, name) ? out[name] : undefined;
        let wire: unknown;
        if (plain(value)) wire = value;
        else {
          try {
            wire = encodeValue(value, { nodeName: name, sharedMemory: false }).value;
          } catch {
            // a type whose codec is not loaded here yet: the runner imports an allowed module, or says why not
            wire = (await runner.codecs.encode(value, { nodeName: name, sharedMemory: false })).value;
          }
        }
        setOwn(outputs, name, wire);
      }
      into[i] = { ok: true, outputs };
    } catch (error) {
      into[i] = { ok: false, failure: wireFailure(error) };
    }
    const ms = now() - t;
    const time = times.get(nodes);
    if (time) ((time[0] += branches), (time[1] += ms), (time[2] = Math.max(time[2], ms)));
    else times.set(nodes, [branches, ms, ms]);
  }
  for (const [nodes, [tasks, busyMs, longestMs]] of times) pool.tiny.ranInline(nodes, tasks, busyMs, longestMs);
}

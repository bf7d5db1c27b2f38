import { deserialize, serialize } from "node:v8";
import { missingCodecModules, type WireNodeEvent, type WireTaskRequest, type WireTaskResult } from "@hamilton-ts/kernel/remote";

/** The job data on the queue: plain JSON around one v8-serialized, base64 payload. */
export interface JobData {
  /** Payload format version. */
  readonly v: 1;
  readonly runId: string;
  readonly taskIds: readonly string[];
  /** Whether the driver wants node events back (false when it has no node hooks). */
  readonly events?: boolean;
  /** base64 of `v8.serialize({ requests })`. */
  readonly payload: string;
}

/** A job's return value: base64 of `v8.serialize(JobOutcome)`. */
export interface JobOutcome {
  readonly results: readonly WireTaskResult[];
  /** Node events per task, replayed on the driver so node hooks fire there. */
  readonly events: readonly (readonly WireNodeEvent[])[];
}

export const JOB_NAME = "hamilton-task";

// BullMQ stores job data and return values as JSON: bytes travel as base64.
export function toBase64(value: unknown): string {
  return serialize(value).toString("base64");
}

export function fromBase64(text: string): unknown {
  return deserialize(Buffer.from(text, "base64"));
}

/** A BullMQ job id for a task (or a chunk of tasks) of a run: ':' is reserved by BullMQ. */
export function jobIdFor(runId: string, taskIds: readonly string[]): string {
  const head = `${runId}~${taskIds[0]}${taskIds.length > 1 ? `~x${taskIds.length}` : ""}`;
  return head.replace(/%/g, "%25").replace(/:/g, "%3A");
}

/** The codec modules the default allow-list lets a payload name (hamilton-ts's own). */
export const DEFAULT_CODEC_MODULES: readonly string[] = ["@hamilton-ts/results-arrow", "@hamilton-ts/results-dataframe"];

/**
 * Import the codec modules a value needs, but only those on the allow-list: a
 * payload may name a module, and a queue is a trust boundary.
 */
export async function importAllowedCodecs(wire: unknown, allowed: readonly string[]): Promise<void> {
  const missing = missingCodecModules(wire);
  for (const m of missing) {
    if (!allowed.includes(m)) {
      throw new Error(`The payload needs a codec from module "${m}", which is not in this process's codecModules allow-list (${allowed.join(", ") || "empty"}). Add it to codecModules, or import it before starting.`);
    }
    await import(/* @vite-ignore */ m);
  }
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

/** Check that decoded bytes are task requests (and nothing else) before running them. */
export function validateRequests(value: unknown): WireTaskRequest[] {
  const requests = (value as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw new Error("The job payload holds no task requests.");
  for (const r of requests as Array<Record<string, unknown>>) {
    if (
      typeof r !== "object" || r === null || typeof r.runId !== "string" || typeof r.taskId !== "string" ||
      !isStringArray(r.nodes) || !isStringArray(r.outputs) || !isStringArray(r.expanders) || typeof r.graphFingerprint !== "string" ||
      typeof r.inputs !== "object" || r.inputs === null
    ) {
      throw new Error("The job payload is not a hamilton-ts task request.");
    }
  }
  return requests as WireTaskRequest[];
}

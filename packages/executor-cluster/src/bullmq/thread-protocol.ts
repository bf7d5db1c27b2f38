// Messages between a BullMQ worker's main thread (which holds the job locks)
// and the worker threads that decode and run its jobs.
import type { WireFailure } from "./job-format.js";

/** What a thread needs to build a job's graph (already checked against the allow-list). */
export interface ThreadSetup {
  /** The worker's own module locations, in the job's order. */
  readonly modules: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly allowModuleOverrides: boolean;
  /** The driver's fingerprint: the thread refuses the job if its graph differs. */
  readonly fingerprint: string;
}

/** A job for a thread. */
export interface ThreadJob {
  readonly t: "job";
  readonly jobId: string;
  readonly setupId: string;
  readonly setup: ThreadSetup;
  /** The job's payload as it came (base64). */
  readonly payload: string;
  readonly maxPayloadBytes: number;
  readonly events: boolean;
  /** Tasks not to run (they timed out or killed a thread before): their failures. */
  readonly skip: readonly (readonly [number, WireFailure])[];
}

/** A thread's answer. */
export type ThreadReply =
  | { readonly t: "up" }
  /** The thread could not import the worker's modules. */
  | { readonly t: "start-failed"; readonly message: string }
  /** The job's outcome (base64), and the message of the first node error, for BullMQ retries. */
  | { readonly t: "done"; readonly out: string; readonly nodeFailed?: string }
  /** The job as a whole was refused (payload, graph). */
  | { readonly t: "refused"; readonly failure: WireFailure };

/** A thread's answer to a job. */
export type JobReply = Extract<ThreadReply, { t: "done" | "refused" }>;

/** What each thread gets at start. */
export interface ThreadData {
  /** Progress the main thread reads on a timeout or a crash (see the PHASE constants). */
  readonly state: SharedArrayBuffer;
  /** Codec modules a payload may ask the thread to import. */
  readonly codecModules: readonly string[];
  /** The worker's modules, imported at start (an import error fails the worker's start). */
  readonly modules: readonly string[];
  /** tsx's ESM API, to register before importing `.ts` modules (Node 20 under tsx). */
  readonly tsx: string | undefined;
}

/** Int32 slots of the state: the phase, the node index within the task. */
export const SLOT_PHASE = 0;
export const SLOT_NODE = 1;
/** Float64 slots (from byte 8): when the phase began (ms since the epoch), and the running task's timeout (0: none). */
export const SINCE_OFFSET = 8;
export const FLOAT_SINCE = 0;
export const FLOAT_TIMEOUT = 1;
export const STATE_BYTES = 24;

/** Phases below 0; a phase >= 0 is the index of the task running. */
export const PHASE_IDLE = -3;
export const PHASE_GRAPH = -2;
export const PHASE_DECODE = -1;

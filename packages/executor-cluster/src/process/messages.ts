import type { SerializedError, WireNodeEvent, WireTaskRequest, WireTaskResult } from "@hamilton-ts/kernel";

/**
 * The IPC messages between the parent and a child process. They travel with
 * `serialization: "advanced"` (the v8 serializer), so they hold plain data,
 * typed arrays, Maps, Sets and Dates; task values went through the kernel's
 * codec registry first.
 */

/** How a child builds its graph: the driver's module locations and config. */
export interface ChildSetup {
  readonly modules: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly allowModuleOverrides: boolean;
}

/** Parent → child. */
export type ToChild =
  /** Register a setup under an id; batches name it instead of repeating it. */
  | { readonly type: "setup"; readonly setupId: number; readonly setup: ChildSetup }
  /**
   * Run tasks in order. `live` asks the child to send node events as they
   * happen (one-task batches: long tasks, progress bars); otherwise they ride
   * along with the results.
   */
  | { readonly type: "batch"; readonly batchId: number; readonly setupId: number; readonly live: boolean; readonly tasks: readonly WireTaskRequest[] };

/** Child → parent. */
export type FromChild =
  /** The child listens; messages sent before this would be lost. */
  | { readonly type: "ready" }
  /** Node events of a live batch, sent as they happen. */
  | { readonly type: "events"; readonly batchId: number; readonly events: readonly WireNodeEvent[] }
  /** A batch finished: one result per task, in order, plus its buffered node events and compute time. */
  | {
      readonly type: "results";
      readonly batchId: number;
      readonly results: readonly WireTaskResult[];
      readonly events: readonly WireNodeEvent[];
      readonly computeMs: number;
    }
  /** The child is about to die of an uncaught exception or unhandled rejection. */
  | { readonly type: "fatal"; readonly error: SerializedError; readonly origin: string };

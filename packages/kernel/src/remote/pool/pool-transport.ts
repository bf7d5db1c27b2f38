import type { FromWorker, ToWorker } from "../worker-envelope.js";

/**
 * What a `TaskPool` needs from the thing that carries its messages: start a
 * worker, send it messages, hear its messages and its death, stop it. A
 * worker thread, a child process, an HTTP endpoint or a queue consumer is a
 * transport; everything else (queueing, batching, retries, timeouts, abort,
 * idle shutdown) is the pool's, written once.
 *
 * Where transports differ for a reason, they say so here: a worker that can
 * tell exactly which task it is running (threads, through shared memory)
 * implements `position()`; one that cannot (processes, HTTP) does not, and
 * the pool re-runs every suspect of a death or hang alone to find the culprit.
 */
export interface PoolTransport<W extends PoolWorker = PoolWorker> {
  /** The executor's name for errors, e.g. `"MultiThreadingExecutor"`. */
  readonly executor: string;
  /** What a worker is called in errors, e.g. `"worker thread"`, `"child process"`. */
  readonly workerNoun: string;
  /** Start a worker. Its messages and its death arrive through `events`. */
  spawn(events: WorkerEvents): W;
  /** Throws when `value` cannot be sent to a worker; the pool uses it to name the input that refused. */
  checkValue?(value: unknown): void;
  /**
   * Workers share this process's memory (threads): `SharedArrayBuffer`s cross
   * as shared memory. Otherwise (processes, machines) a value holding one is a
   * SerializationError naming it, rather than a copy that silently stops
   * being shared.
   */
  readonly sharedMemory?: boolean;
  /** Advice appended when a worker ran out of memory, e.g. which option raises its heap limit. */
  readonly outOfMemoryHint?: string;
}

/** How the pool hears from one worker. */
export interface WorkerEvents {
  message(message: FromWorker): void;
  /** The worker is gone (called once). After it, no `message` counts. */
  exit(exit: WorkerExit): void;
}

/** How a worker ended, as far as the transport knows. */
export interface WorkerExit {
  readonly code?: number | null;
  readonly signal?: string | null;
  /** What killed it: an uncaught exception, a failed spawn, a lost connection. */
  readonly error?: unknown;
  /** Where `error` came from, e.g. `"uncaughtException"`, `"unhandledRejection"`. */
  readonly origin?: string;
  /** The worker ran out of memory. */
  readonly outOfMemory?: boolean;
}

/** Why the pool stops a worker. */
export type StopReason = "abort" | "timeout" | "idle" | "close";

/** Where a worker is, read without a message (shared memory). */
export interface WorkerPosition {
  /** `seq` of the batch it runs (or ran last). */
  readonly seq: number;
  /** Index of the task it runs in that batch. */
  readonly task: number;
  /** Index of the node it runs in that task, or -1 when unknown. */
  readonly node: number;
  /** When that task started, as `performance.timeOrigin + performance.now()` (ms). */
  readonly since: number;
}

/** One worker, as its transport drives it. */
export interface PoolWorker {
  /** Names the worker in errors, e.g. `"thread 7"`, `"pid 4242"`. */
  readonly label: string;
  /** Send a message. Throws when a value in it cannot be serialized (the pool then finds which). */
  send(message: ToWorker): void;
  /** Where the worker is now, when the transport can tell without asking it. */
  position?(): WorkerPosition | undefined;
  /** The worker has work: keep the process alive. */
  ref(): void;
  /** The worker idles: it must not keep the process alive. */
  unref(): void;
  /** Stop the worker. `exit` still follows (the pool ignores it for a worker it stopped). */
  stop(reason: StopReason): void;
}

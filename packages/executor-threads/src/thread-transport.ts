import * as threads from "node:worker_threads";
import type { FromWorker, PoolTransport, PoolWorker, StopReason, ToWorker, WorkerEvents, WorkerPosition } from "@hamilton-ts/kernel/remote";
import { SharedState, type WorkerData } from "./shared-state.js";
import { loaderToRegister, workerScriptUrl } from "./worker-script.js";

/** Options passed through to every `Worker`. */
export interface ThreadSpawnOptions {
  readonly resourceLimits?: threads.ResourceLimits;
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv | typeof threads.SHARE_ENV;
}

/**
 * Worker threads as a `TaskPool` transport. Each worker shares a few bytes
 * with the pool saying which task and node it runs and since when, so the
 * pool blames exactly the right task when a thread dies or hangs.
 */
export class ThreadTransport implements PoolTransport {
  readonly executor = "MultiThreadingExecutor";
  readonly workerNoun = "worker thread";
  readonly sharedMemory = true;
  readonly outOfMemoryHint = "raise resourceLimits.maxOldGenerationSizeMb, or make the node use less.";

  constructor(private readonly options: ThreadSpawnOptions) {}

  spawn(events: WorkerEvents): PoolWorker {
    return new ThreadWorker(this.options, events);
  }

  checkValue(value: unknown): void {
    structuredClone(value);
  }
}

class ThreadWorker implements PoolWorker {
  readonly label: string;
  private readonly worker: threads.Worker;
  private readonly state = SharedState.create();
  private error: unknown;

  constructor(options: ThreadSpawnOptions, events: WorkerEvents) {
    const data: WorkerData = { state: this.state.buffer, registerLoader: loaderToRegister() };
    this.worker = new threads.Worker(workerScriptUrl(), {
      workerData: data,
      resourceLimits: options.resourceLimits,
      ...(options.execArgv ? { execArgv: [...options.execArgv] } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    this.label = `thread ${this.worker.threadId}`;
    this.worker.on("message", (msg: FromWorker) => events.message(msg));
    this.worker.on("error", (error: unknown) => {
      this.error ??= error;
    });
    this.worker.on("exit", (code: number) => {
      const oom = (this.error as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
      // an 'error' event is an uncaught exception in the worker (or its out-of-memory report)
      events.exit({ code, error: this.error, origin: this.error !== undefined && !oom ? "uncaughtException" : undefined, outOfMemory: oom });
    });
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  position(): WorkerPosition | undefined {
    return this.state.read();
  }

  ref(): void {
    this.worker.ref();
  }

  unref(): void {
    this.worker.unref();
  }

  stop(_reason: StopReason): void {
    void this.worker.terminate();
  }
}

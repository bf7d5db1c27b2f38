// The worker threads of a BullMQ worker: the kernel's TaskPool over
// executor-threads' thread transport (bundled into this package at build time,
// so there is no runtime dependency on it). The main thread only holds
// BullMQ's locks and relays tasks: their inputs stay as the driver encoded
// them and their outputs as the thread encoded them, so nothing is decoded
// and encoded again on the way through. Timeouts, hung and dead threads,
// batching of many jobs' tasks into one thread message and the per-setup
// graphs are the pool's (and the kernel's worker loop's), as for every
// pooled executor.
import type { ResourceLimits } from "node:worker_threads";
import { ThreadTransport } from "@hamilton-ts/executor-threads";
import { ExecutorError, GraphError, NodeExecutionError } from "@hamilton-ts/kernel";
import type { Task } from "@hamilton-ts/kernel/contracts";
import { TaskPool, type CodecModules, type EncodedInputs, type PoolTransport } from "@hamilton-ts/kernel/remote";
import { TinyTemplates } from "./tiny-templates.js";

/** What the worker's name is in errors of its threads. */
export const WORKER = "BullMQ worker";

/** A task as a job carries it: its inputs already encoded, in its shape's input order. */
export interface RelayedTask extends Task {
  readonly wire: EncodedInputs;
}

/** Options of the worker's thread pool. */
export interface WorkerPoolOptions {
  /** Threads, hence tasks running at once. */
  readonly size: number;
  readonly resourceLimits?: ResourceLimits;
  readonly execArgv?: readonly string[];
  /** Let tiny tasks run in the main thread (see `StartWorkerOptions.inlineTinyTasks`). */
  readonly inlineTinyTasks: boolean;
}

/** Idle threads stay: a worker serves jobs for as long as it runs, and threads keep their graphs warm. */
const NEVER_IDLE_MS = 2 ** 31 - 1;

/** The thread pool of one BullMQ worker. */
export class WorkerPool extends TaskPool {
  /** Templates quick enough to run in the main thread (learnt from the threads). */
  readonly tiny: TinyTemplates;
  readonly inlineTinyTasks: boolean;

  constructor(options: WorkerPoolOptions) {
    const tiny = new TinyTemplates();
    const threads = new ThreadTransport({ resourceLimits: options.resourceLimits, execArgv: options.execArgv });
    // the thread transport under the worker's own name, so its errors say which program's thread died
    const transport: PoolTransport = {
      executor: WORKER,
      workerNoun: "worker thread",
      sharedMemory: true,
      outOfMemoryHint: "raise startWorker's resourceLimits.maxOldGenerationSizeMb, or make the node use less.",
      spawn: (events) => {
        let watch: ReturnType<TinyTemplates["watch"]> | undefined;
        const worker = threads.spawn({
          message: (m) => (watch ? watch.message(m) : events.message(m)),
          exit: (exit) => {
            watch?.gone();
            events.exit(exit);
          },
        });
        watch = tiny.watch(worker, (m) => events.message(m));
        return watch.worker;
      },
      checkValue: (value) => threads.checkValue(value),
    };
    super(transport, { maxTasks: options.size, idleTimeoutMs: NEVER_IDLE_MS });
    this.tiny = tiny;
    this.inlineTinyTasks = options.inlineTinyTasks;
  }

  /**
   * Import the worker's modules in a thread now, so a module that fails to
   * import (or a thread that cannot start) fails `startWorker` rather than
   * every job, and the first jobs start warm. The probe runs no node: any
   * other complaint about its empty task (its made-up fingerprint) means the
   * modules imported.
   */
  async warmUp(modules: readonly string[], config: Readonly<Record<string, unknown>>): Promise<void> {
    const context = {
      runId: "warm-up",
      modules: modules.map((url) => ({ name: url, exports: {}, location: url })),
      config,
      allowModuleOverrides: true,
      graphFingerprint: "warm-up",
      wantsNodeEvents: false,
    };
    const probe: RelayedTask = {
      runId: "warm-up",
      context,
      taskId: "warm-up",
      nodes: [],
      inputs: {},
      wire: { inputNames: [], values: [] },
      outputs: [],
      expanders: [],
      path: [],
      isBlock: false,
      block: undefined,
      purpose: "plain",
      attempt: 1,
      timeoutMs: undefined,
      signal: new AbortController().signal,
      run: () => Promise.reject(new Error("the warm-up runs in a worker thread only")),
      reportNodeEvent: () => undefined,
    };
    try {
      await this.submitTask(probe);
    } catch (error) {
      const cause = NodeExecutionError.isInstance(error) ? error.cause : error;
      if (ExecutorError.isInstance(cause)) throw new Error(`A BullMQ worker thread could not start: ${cause.message}`, { cause });
      if (GraphError.isInstance(cause) && /^Cannot (import|resolve)/.test(cause.message)) throw cause;
    }
  }

  protected override encodeInputs(task: Task): EncodedInputs {
    return (task as RelayedTask).wire;
  }

  protected override decodeOutputs(names: readonly string[], values: readonly unknown[], at: number, _codecs: CodecModules): Record<string, unknown> {
    const out = Object.create(null) as Record<string, unknown>; // names come from a job: "__proto__" is just a name
    for (let k = 0; k < names.length; k++) out[names[k]!] = values[at + k];
    return out;
  }
}

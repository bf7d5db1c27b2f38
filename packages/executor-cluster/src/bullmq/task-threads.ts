// The worker threads of a BullMQ worker: one job per thread at a time. The main
// thread only holds BullMQ's locks and watches the threads: a task past its
// timeout, or a thread that dies, has its thread terminated and replaced, and
// the job's other tasks run again on the fresh thread.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as threads from "node:worker_threads";
import { Worker, type ResourceLimits } from "node:worker_threads";
import { ExecutorError, SerializationError, TimeoutError } from "@hamilton-ts/kernel";
import { fromBase64, validatePayload, wireFailure, type WireFailure } from "./job-format.js";
import {
  FLOAT_SINCE,
  FLOAT_TIMEOUT,
  PHASE_DECODE,
  PHASE_GRAPH,
  PHASE_IDLE,
  SINCE_OFFSET,
  SLOT_NODE,
  SLOT_PHASE,
  STATE_BYTES,
  type ThreadData,
  type JobReply,
  type ThreadJob,
  type ThreadReply,
} from "./thread-protocol.js";

declare const __filename: string | undefined;

/** The thread's script: next to this file when built; from source (tests), the built one in dist. */
function scriptUrl(): URL {
  const here = typeof __filename === "string" ? pathToFileURL(__filename).href : import.meta.url;
  for (const rel of ["./task-thread.js", "../../dist/bullmq/task-thread.js"]) {
    const u = new URL(rel, here);
    if (existsSync(fileURLToPath(u))) return u;
  }
  throw new Error("@hamilton-ts/executor-cluster: cannot find dist/bullmq/task-thread.js. Reinstall the package, or build it with `tsup`.");
}

/**
 * Node 20's worker threads do not inherit tsx's loader (it registers in the
 * main thread only), so a worker serving `.ts` pipelines under tsx has each
 * thread register tsx's ESM API itself. Newer Nodes share the loader.
 * (The thread executor does the same in executor-threads' worker-thread.ts.)
 */
function tsxApiForThreads(): string | undefined {
  if ("isInternalThread" in threads) return undefined;
  const flag = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].find((f) => /\btsx\b/.test(f));
  if (!flag) return undefined;
  const root = /^(?:file:\/\/)?(.*[\\/]tsx)[\\/]dist[\\/]/.exec(flag)?.[1];
  const base = root ? join(root.startsWith("/") || /^[A-Za-z]:/.test(root) ? root : fileURLToPath(`file://${root}`), "package.json") : join(process.cwd(), "noop.js");
  try {
    const pkg = createRequire(base).resolve("tsx/package.json");
    const entry = (JSON.parse(readFileSync(pkg, "utf8")) as { exports?: Record<string, { import?: string | { default?: string } }> }).exports?.["./esm/api"]?.import;
    const rel = typeof entry === "string" ? entry : entry?.default;
    return rel ? pathToFileURL(join(dirname(pkg), rel)).href : undefined;
  } catch {
    return undefined;
  }
}

/** Options of the thread pool. */
export interface TaskThreadsOptions {
  readonly size: number;
  /** The worker's module URLs, imported by every thread at start. */
  readonly modules: readonly string[];
  readonly codecModules: readonly string[];
  readonly resourceLimits?: ResourceLimits;
  readonly execArgv?: readonly string[];
  /** Longest a payload may take to decode before the job is refused. */
  readonly decodeTimeoutMs: number;
}

interface Thread {
  readonly worker: Worker;
  readonly ints: Int32Array;
  readonly floats: Float64Array;
  readonly up: Promise<void>;
  busy: boolean;
  dead: boolean;
  started: boolean;
  onReply?: (reply: ThreadReply) => void;
  onDeath?: (why: string) => void;
}

/** What a job came to: the thread's reply, or why its thread was stopped. */
type Run = { readonly kind: "reply"; readonly reply: ThreadReply } | { readonly kind: "stopped"; readonly phase: number; readonly node: number; readonly why: string; readonly timeoutMs?: number };

const POLL_MS = 100;

/** One worker thread per concurrency slot. */
export class TaskThreads {
  private readonly threads = new Set<Thread>();
  private readonly script = scriptUrl();
  private readonly tsx = tsxApiForThreads();
  private closed = false;
  private failing = false;
  /** Threads that died before they were up, in a row: past a few, the pool gives up (something kills every thread). */
  private startFailures = 0;
  private broken: Error | undefined;

  constructor(private readonly options: TaskThreadsOptions) {}

  /** Start every thread; rejects if one cannot start. */
  async start(): Promise<void> {
    try {
      await Promise.all(Array.from({ length: this.options.size }, () => this.spawn().up));
    } catch (error) {
      this.failing = true;
      await this.close();
      throw error;
    }
  }

  /** Run a job; never rejects (a stopped task becomes its failure, the rest run again). */
  async run(job: Omit<ThreadJob, "t" | "skip">): Promise<JobReply> {
    const skip: (readonly [number, WireFailure])[] = [];
    for (let idleDeaths = 0; ; ) {
      let thread: Thread;
      try {
        thread = await this.idle();
      } catch (error) {
        return { t: "refused", failure: wireFailure(new ExecutorError("BullMQ worker", "worker-start", (error as Error).message)) };
      }
      const run = await this.dispatch(thread, { ...job, t: "job", skip });
      if (run.kind === "reply") return run.reply as JobReply;
      if (run.phase === PHASE_IDLE && ++idleDeaths < 3) continue; // the thread died before it took the job
      if (run.phase === PHASE_GRAPH || run.phase === PHASE_IDLE) {
        const when = run.phase === PHASE_GRAPH ? "while importing the pipeline's modules" : "before it could take the job";
        return { t: "refused", failure: wireFailure(new ExecutorError("BullMQ worker", "worker-start", `The worker thread stopped ${when}: ${run.why}`)) };
      }
      if (run.phase < 0) {
        return { t: "refused", failure: wireFailure(new SerializationError(`Job ${job.jobId} was refused: ${run.why} while its payload was decoded.`)) };
      }
      const { shapeNodes } = this.describe(job.payload, job.maxPayloadBytes, run.phase);
      const nodeName = shapeNodes[run.node] ?? shapeNodes[0] ?? "(unknown)";
      const error =
        run.timeoutMs !== undefined
          ? new TimeoutError(nodeName, `${job.jobId}#${run.phase}`, run.timeoutMs, "the BullMQ worker stopped it and replaced its thread")
          : new ExecutorError("BullMQ worker", "worker-died", `The worker thread running node "${nodeName}" died: ${run.why}`);
      skip.push([run.phase, { ...wireFailure(error), nodeName }]);
    }
  }

  /** Stop every thread. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.threads].map((t) => t.worker.terminate()));
  }

  private describe(payload: string, max: number, index: number): { shapeNodes: readonly string[] } {
    try {
      const p = validatePayload(fromBase64(payload, max));
      return { shapeNodes: p.shapes[p.shapeOf ? p.shapeOf[index]! : 0]!.nodes };
    } catch {
      return { shapeNodes: [] };
    }
  }

  private spawn(): Thread {
    const state = new SharedArrayBuffer(STATE_BYTES);
    const data: ThreadData = { state, codecModules: this.options.codecModules, modules: this.options.modules, tsx: this.tsx };
    const o = this.options;
    const worker = new Worker(this.script, {
      workerData: data,
      ...(o.resourceLimits ? { resourceLimits: o.resourceLimits } : {}),
      ...(o.execArgv ? { execArgv: [...o.execArgv] } : {}),
    });
    let started: () => void = () => undefined;
    let failed: (e: Error) => void = () => undefined;
    const t: Thread = {
      worker,
      ints: new Int32Array(state, 0, 2),
      floats: new Float64Array(state, SINCE_OFFSET, 2),
      up: new Promise<void>((resolve, reject) => ((started = resolve), (failed = reject))),
      busy: false,
      dead: false,
      started: false,
    };
    t.up.catch(() => undefined);
    let error: unknown;
    worker.on("message", (m: ThreadReply) => {
      if (m.t === "up") {
        t.started = true;
        this.startFailures = 0;
        started();
      }
      else if (m.t === "start-failed") {
        error = new Error(m.message);
        void worker.terminate();
      } else t.onReply?.(m);
    });
    worker.on("error", (e) => (error ??= e));
    worker.on("exit", (code) => {
      t.dead = true;
      this.threads.delete(t);
      const why = error instanceof Error ? error.message : `it exited with code ${code}`;
      const started = t.started;
      failed(new Error(`A BullMQ worker thread could not start: ${why}`));
      t.onDeath?.(why);
      if (!started && ++this.startFailures >= 3) this.broken ??= new Error(`BullMQ worker threads keep dying as they start (${why}); this worker cannot run jobs.`);
      // keep the pool full, unless threads cannot start at all (a module that fails to import)
      if (!this.closed && !this.failing && !this.broken) this.spawn();
    });
    this.threads.add(t);
    return t;
  }

  private async idle(): Promise<Thread> {
    for (;;) {
      if (this.broken) throw this.broken;
      const free = [...this.threads].find((t) => !t.busy && !t.dead);
      if (free) {
        free.busy = true; // taken: dispatch() frees it when the job is done
        try {
          await free.up;
          return free;
        } catch {
          free.busy = false;
          continue; // it died starting; its replacement is on the way
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private dispatch(t: Thread, job: ThreadJob): Promise<Run> {
    t.busy = true;
    return new Promise<Run>((resolve) => {
      let timer: ReturnType<typeof setInterval> | undefined;
      const done = (run: Run) => {
        clearInterval(timer);
        t.onReply = undefined;
        t.onDeath = undefined;
        t.busy = false;
        resolve(run);
      };
      const stop = (why: string, timeoutMs?: number) => {
        const phase = Atomics.load(t.ints, SLOT_PHASE);
        const node = Atomics.load(t.ints, SLOT_NODE);
        t.onDeath = undefined;
        t.dead = true; // not to be picked again while it terminates; its exit spawns the replacement
        void t.worker.terminate();
        done({ kind: "stopped", phase, node, why, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
      };
      t.onReply = (reply) => done({ kind: "reply", reply });
      t.onDeath = (why) => done({ kind: "stopped", phase: Atomics.load(t.ints, SLOT_PHASE), node: Atomics.load(t.ints, SLOT_NODE), why });
      timer = setInterval(() => {
        const phase = Atomics.load(t.ints, SLOT_PHASE);
        const elapsed = Date.now() - t.floats[FLOAT_SINCE]!;
        const timeout = t.floats[FLOAT_TIMEOUT]!;
        if (phase >= 0 && timeout > 0 && elapsed > timeout) stop(`it ran longer than ${timeout} ms`, timeout);
        else if (phase === PHASE_DECODE && elapsed > this.options.decodeTimeoutMs) stop(`it took longer than ${this.options.decodeTimeoutMs} ms`);
      }, POLL_MS);
      // reset before posting: the poll must not read the previous job's phase
      t.floats[FLOAT_TIMEOUT] = 0;
      Atomics.store(t.ints, SLOT_PHASE, PHASE_IDLE);
      t.worker.postMessage(job);
    });
  }
}

import { fork, type ChildProcess } from "node:child_process";
import { serialize } from "node:v8";
import { deserializeError, type FromWorker, type PoolTransport, type PoolWorker, type SerializedError, type StopReason, type ToWorker, type WorkerEvents } from "@hamilton-ts/kernel/remote";

/** Sent by a child just before it dies of an uncaught exception or unhandled rejection. */
export interface FatalMessage {
  readonly type: "fatal";
  readonly error: SerializedError;
  readonly origin: string;
}

/** How children are started. */
export interface ChildSpawnOptions {
  readonly script: () => { readonly path: string; readonly execArgv: readonly string[] };
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Only for error messages: the heap limit given to children, in MB. */
  readonly heapLimitMb?: number;
}

interface RefCountedPipe {
  ref?(): void;
  unref?(): void;
}

/**
 * Child processes (`fork` with `serialization: "advanced"`) as a `TaskPool`
 * transport. A child cannot share memory with the pool, so it does not say
 * which task it runs: the pool re-runs the suspects of a death or hang alone.
 */
export class ChildTransport implements PoolTransport<ChildWorker> {
  readonly executor = "MultiProcessingExecutor";
  readonly workerNoun = "child process";
  readonly outOfMemoryHint: string;

  constructor(private readonly options: ChildSpawnOptions) {
    const mb = options.heapLimitMb;
    this.outOfMemoryHint = mb
      ? `V8 aborts like this when a process runs out of memory, and its heap is limited to ${mb} MB by resourceLimits.maxOldGenerationSizeMb: raise it, or make the node use less.`
      : "V8 aborts like this when a process runs out of memory: set resourceLimits.maxOldGenerationSizeMb higher, or make the node use less.";
  }

  spawn(events: WorkerEvents): ChildWorker {
    return new ChildWorker(this.options, events);
  }

  checkValue(value: unknown): void {
    serialize(value);
  }
}

/** One child process. */
export class ChildWorker implements PoolWorker {
  readonly label: string;
  private readonly proc: ChildProcess;
  /** Messages wait here until the child listens. */
  private outbox: ToWorker[] | undefined = [];
  private fatal: FatalMessage | undefined;
  private exited = false;
  private referenced = true;

  constructor(options: ChildSpawnOptions, events: WorkerEvents) {
    const script = options.script();
    this.proc = fork(script.path, [], {
      serialization: "advanced",
      execArgv: [...script.execArgv],
      env: options.env,
      cwd: options.cwd,
      stdio: ["inherit", "inherit", "inherit", "ipc"],
    });
    this.label = `pid ${this.proc.pid ?? "?"}`;
    this.proc.on("message", (msg: FromWorker | FatalMessage) => {
      if (msg.type === "fatal") {
        this.fatal = msg;
        return;
      }
      if (msg.type === "ready" && this.outbox) {
        const out = this.outbox;
        this.outbox = undefined;
        for (const m of out) this.write(m);
      }
      events.message(msg);
    });
    const exit = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (this.exited) return;
      this.exited = true;
      const fatal = this.fatal;
      events.exit({
        code,
        signal,
        error: fatal ? deserializeError(fatal.error) : error,
        origin: fatal?.origin,
        outOfMemory: signal === "SIGABRT" || code === 134,
      });
    };
    // "close" follows "exit" once the IPC channel is drained: results sent just before dying still count
    this.proc.on("close", (code, signal) => exit(code, signal));
    // spawning failed: there will be no "close"
    this.proc.on("error", (error) => this.proc.pid === undefined && exit(null, null, error));
  }

  send(message: ToWorker): void {
    if (this.outbox) {
      serialize(message); // refuse now what would fail once the child listens
      this.outbox.push(message);
    } else this.write(message);
  }

  private write(message: ToWorker): void {
    if (this.exited || !this.proc.connected) return; // its exit settles its tasks
    // the callback swallows EPIPE-like errors of a dying child; its exit follows
    this.proc.send(message, (error) => void error);
  }

  ref(): void {
    if (this.referenced) return;
    this.referenced = true;
    this.proc.ref();
    (this.proc.channel as RefCountedPipe | null | undefined)?.ref?.();
  }

  unref(): void {
    if (!this.referenced) return;
    this.referenced = false;
    this.proc.unref();
    (this.proc.channel as RefCountedPipe | null | undefined)?.unref?.();
  }

  stop(reason: StopReason): void {
    this.unref();
    if (!this.exited) this.proc.kill(reason === "idle" ? "SIGTERM" : "SIGKILL");
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }
}

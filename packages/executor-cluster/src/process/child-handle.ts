import { fork, type ChildProcess } from "node:child_process";
import { type Task } from "@hamilton-ts/kernel/contracts";
import { deserializeError, type FlatTask } from "@hamilton-ts/kernel/remote";
import type { FromChild, ToChild } from "./messages.js";

/** A task waiting for, or running in, a child process. */
export interface Entry extends FlatTask {
  readonly task: Task;
  readonly graphFingerprint: string;
  readonly setupId: number;
  /** The caller has node hooks. */
  readonly wantsEvents: boolean;
  readonly resolve: (value: Record<string, unknown> | Promise<Record<string, unknown>>) => void;
  readonly reject: (error: unknown) => void;
  /** Child deaths blamed on this task. */
  attempts: number;
  /** Send it alone: it shared a message with a task that killed its child, or it is being retried. */
  isolate: boolean;
  settled: boolean;
  /** The node a live batch reported as started and not yet finished. */
  runningNode?: string;
}

/** Tasks sent to a child in one message. */
export interface Batch {
  readonly id: number;
  readonly entries: readonly Entry[];
  /** One-task batches report node events as they happen. */
  readonly live: boolean;
  /** Holds an isolated task: its child gets nothing else until it finishes. */
  readonly isolated: boolean;
}

/** Why the pool killed a child on purpose (an unexpected death has none). */
export type KillReason = "abort" | "idle" | "close";

/** How a child is started. */
export interface SpawnOptions {
  readonly script: string;
  readonly execArgv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Callbacks from a child to its pool. */
export interface ChildEvents {
  message(child: ChildHandle, message: FromChild): void;
  exit(child: ChildHandle, code: number | null, signal: NodeJS.Signals | null, error?: Error): void;
  /** A message could not be serialized (v8 refused a value the codec walk let through). */
  sendFailed(child: ChildHandle, message: ToChild, error: unknown): void;
}

interface RefCountedPipe {
  ref?(): void;
  unref?(): void;
}

/**
 * One child process: its IPC channel (messages wait in an outbox until the
 * child says it listens), the batches it holds, and whether it may keep the
 * parent alive (only while it has work).
 */
export class ChildHandle {
  readonly proc: ChildProcess;
  readonly pid: number | undefined;
  readonly batches = new Map<number, Batch>();
  readonly setups = new Set<number>();
  ready = false;
  exited = false;
  killReason: KillReason | undefined;
  fatal: { readonly error: Error; readonly origin: string } | undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  private outbox: ToChild[] = [];
  private referenced = true;

  private readonly events: ChildEvents;

  constructor(options: SpawnOptions, events: ChildEvents) {
    this.events = events;
    this.proc = fork(options.script, [], {
      serialization: "advanced",
      execArgv: [...options.execArgv],
      env: options.env,
      cwd: options.cwd,
      stdio: ["inherit", "inherit", "inherit", "ipc"],
    });
    this.pid = this.proc.pid;
    this.proc.on("message", (raw) => {
      const msg = raw as FromChild;
      if (msg.type === "ready") {
        this.ready = true;
        const out = this.outbox;
        this.outbox = [];
        for (const m of out) this.write(m);
        events.message(this, msg);
        return;
      }
      if (msg.type === "fatal") {
        this.fatal = { error: deserializeError(msg.error), origin: msg.origin };
        return;
      }
      events.message(this, msg);
    });
    // "close" comes after "exit" and after the IPC channel is drained: results sent just before dying still count
    this.proc.on("close", (code, signal) => events.exit(this, code, signal));
    this.proc.on("error", (error) => {
      // spawning failed: there will be no "exit"
      if (this.proc.pid === undefined) events.exit(this, null, null, error);
    });
  }

  /** Send now, or once the child listens. */
  post(message: ToChild): void {
    if (!this.ready) this.outbox.push(message);
    else this.write(message);
  }

  private write(message: ToChild): void {
    if (this.exited || !this.proc.connected) return; // the exit handler deals with its tasks
    try {
      // the callback swallows EPIPE-like errors of a dying child; its "exit" follows
      this.proc.send(message, (error) => void error);
    } catch (error) {
      this.events.sendFailed(this, message, error);
    }
  }

  holdsIsolated(): boolean {
    for (const b of this.batches.values()) if (b.isolated) return true;
    return false;
  }

  /** Keep the parent alive while the child has work. */
  ref(): void {
    if (this.referenced) return;
    this.referenced = true;
    this.proc.ref();
    (this.proc.channel as RefCountedPipe | null | undefined)?.ref?.();
  }

  /** Let the parent exit while the child idles. */
  unref(): void {
    if (!this.referenced) return;
    this.referenced = false;
    this.proc.unref();
    (this.proc.channel as RefCountedPipe | null | undefined)?.unref?.();
  }

  kill(reason: KillReason): void {
    this.killReason ??= reason;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.unref();
    if (!this.exited) this.proc.kill(reason === "idle" ? "SIGTERM" : "SIGKILL");
  }
}

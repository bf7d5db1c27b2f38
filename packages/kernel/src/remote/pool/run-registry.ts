import type { ExecutorContext } from "../../executors/task-executor.js";
import { CodecModules } from "../codec-modules.js";
import type { PoolTransport } from "./pool-transport.js";
import type { RunState } from "./pool-state.js";
import { RunQueue } from "./run-queue.js";
import { SetupRegistry } from "./setup-registry.js";

/**
 * The runs a pool knows, one per `ExecutorContext`: each with its graph
 * setup, its codec allow-list, its queue, and a listener on its signal (every
 * task of a run shares it) that tells the pool when the run is aborted.
 */
export class RunRegistry {
  readonly setups: SetupRegistry;
  private readonly runs = new WeakMap<ExecutorContext, RunState>();
  /** Run signals listened to. */
  private readonly watched = new WeakSet<AbortSignal>();
  private readonly codecs = new Map<string, CodecModules>();
  /** The run of the last task submitted: tasks of one run come in long streams. */
  private last: RunState | undefined;

  constructor(
    transport: PoolTransport,
    private readonly nodeEvents: "auto" | boolean,
    private readonly aborted: (run: RunState, signal: AbortSignal) => void,
  ) {
    this.setups = new SetupRegistry(transport);
  }

  /** The run of `context` (a setup that cannot be sent throws here, before any task); with the signal of its tasks, listened to once. */
  of(context: ExecutorContext, signal?: AbortSignal): RunState {
    const last = this.last;
    if (last !== undefined && last.context === context && (signal === undefined || last.signal === signal)) return last;
    let run = this.runs.get(context);
    if (!run) {
      const events = this.nodeEvents === "auto" ? context.wantsNodeEvents ?? true : this.nodeEvents;
      run = { context, signal, setup: this.setups.idOf(context), events, codecs: this.codecsFor(context), queue: new RunQueue(), listed: false, aborted: false };
      this.runs.set(context, run);
    }
    if (signal && !this.watched.has(signal)) {
      this.watched.add(signal);
      const r = run;
      signal.addEventListener("abort", () => this.aborted(r, signal), { once: true });
    }
    run.signal ??= signal;
    if (signal !== undefined && run.signal === signal) this.last = run;
    return run;
  }

  /** Runs with one codec allow-list (a driver's runs) share what may be imported to decode their outputs. */
  private codecsFor(context: ExecutorContext): CodecModules {
    const allow = context.codecModules ?? [];
    const key = allow.join("\u0000");
    let codecs = this.codecs.get(key);
    if (!codecs) this.codecs.set(key, (codecs = new CodecModules({ allow })));
    return codecs;
  }
}

// Who to blame when a worker dies or overruns a timeout, and the watchdog that
// notices overruns: exact with a transport's shared memory, by suspects without.
import { clock, nodeAt, runningBatch, unanswered, type Entry, type Slot } from "./pool-state.js";

/** Before a timed batch says it started (graph being built, worker stalled before it began), its clock starts this much later. */
export const STARTUP_GRACE_MS = 30_000;
/** How often a timed batch whose running task has no timeout is looked at again (threads: the next task may have one). */
const POLL_MS = 50;

/** Who may have killed or hung a worker. */
export interface Suspects {
  /** One task for sure (shared memory said so, or it was the only one running), or several to re-run alone. */
  readonly entries: readonly Entry[];
  /** The node to name when there is one culprit. */
  readonly node: string | undefined;
}

/**
 * The suspects of a worker's death: the task its shared memory names, else
 * every unanswered task of the batch it was running (a worker runs its
 * batches in order, so the ones queued behind never started).
 */
export function deathSuspects(slot: Slot): Suspects {
  const pos = slot.worker.position?.();
  const running = runningBatch(slot);
  if (!running) return { entries: [], node: undefined };
  if (pos && running.seq === pos.seq && !running.answered[pos.task]) {
    const culprit = running.entries[pos.task]!;
    return { entries: culprit.settled ? [] : [culprit], node: nodeAt(culprit, pos.node) };
  }
  const entries = unanswered(running);
  return { entries, node: entries.length === 1 ? entries[0]!.node : undefined };
}

/** A worker over its running task's timeout: who to blame, and the timeout that applied. */
export interface Overrun extends Suspects {
  readonly timeoutMs: number;
}

/**
 * When a worker's running batch is next due a look (`at`, Infinity: never),
 * and who is to blame if it is still running then. With shared memory the
 * running task and its start are exact; without, the clock runs from the
 * batch's last news, the tightest timeout among its unanswered tasks applies,
 * and every unanswered task is a suspect.
 */
export function timeoutCheck(slot: Slot): { at: number; overrun?: Overrun } {
  const batch = runningBatch(slot);
  if (!batch?.timed) return { at: Infinity };
  const pos = slot.worker.position?.();
  if (pos && pos.seq === batch.seq) {
    const e = batch.entries[pos.task];
    if (!e || batch.answered[pos.task] || e.settled || e.timeoutMs === undefined) return { at: clock() + POLL_MS };
    return { at: pos.since + e.timeoutMs, overrun: { entries: [e], node: nodeAt(e, pos.node), timeoutMs: e.timeoutMs } };
  }
  const since = batch.progressAt ?? (batch.startedAt === undefined ? batch.sentAt + STARTUP_GRACE_MS : batch.startedAt);
  const entries = unanswered(batch);
  let limit = Infinity;
  for (const e of entries) if (e.timeoutMs !== undefined && e.timeoutMs < limit) limit = e.timeoutMs;
  if (limit === Infinity) return { at: Infinity };
  return { at: since + limit, overrun: { entries, node: entries.length === 1 ? entries[0]!.node : undefined, timeoutMs: limit } };
}

/** Wakes the pool at the earliest deadline of any worker's running batch, and reports each worker over its time. */
export class Watchdog {
  private pending: { timer: ReturnType<typeof setTimeout>; at: number } | undefined;

  constructor(
    private readonly slots: () => readonly Slot[],
    private readonly overran: (slot: Slot, overrun: Overrun) => void,
  ) {}

  /** Look again at the earliest deadline (call when a timed batch is sent or starts). */
  arm(): void {
    let next = Infinity;
    for (const slot of this.slots()) next = Math.min(next, timeoutCheck(slot).at);
    if (next === Infinity || (this.pending && this.pending.at <= next)) return;
    this.clear();
    const timer = setTimeout(() => this.check(), Math.max(1, next - clock()));
    (timer as { unref?: () => void }).unref?.(); // busy workers keep the process alive, not this timer
    this.pending = { timer, at: next };
  }

  clear(): void {
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  private check(): void {
    this.pending = undefined;
    const now = clock();
    for (const slot of [...this.slots()]) {
      const { at, overrun } = timeoutCheck(slot);
      if (overrun && now >= at) this.overran(slot, overrun);
    }
    this.arm();
  }
}

import type { BatchMessage, FromWorker, SetupMessage } from "../worker-envelope.js";
import type { BatchSizer } from "./batch-sizer.js";
import type { PoolTransport, PoolWorker, StopReason, WorkerExit } from "./pool-transport.js";
import type { Batch, Entry, Slot } from "./pool-state.js";

/** How the pool hears from its workers. */
export interface WorkerSetEvents {
  message(slot: Slot, message: FromWorker): void;
  exit(slot: Slot, exit: WorkerExit): void;
}

/** The pool's workers: at most `max`, started on demand through the transport. */
export class WorkerSet {
  slots: Slot[] = [];

  constructor(
    private readonly transport: PoolTransport,
    private readonly max: number,
    private readonly events: WorkerSetEvents,
  ) {}

  get size(): number {
    return this.slots.length;
  }

  /**
   * Where a batch goes. An idle worker first. For short tasks, a worker with
   * room in its pipeline before a new one (the calling thread is the
   * bottleneck then, and an extra worker only takes CPU from it); else a new
   * worker while under `max`, then the least busy with room. An isolated task
   * runs alone in its worker, so that a death or hang there is certainly its own.
   */
  pick(isolate: boolean, sizer: BatchSizer): Slot | undefined {
    for (const s of this.slots) if (s.batches.length === 0) return s;
    if (!isolate && sizer.tiny()) {
      const room = this.leastBusy(sizer.depth());
      if (room) return room;
    }
    if (this.slots.length < this.max) return this.spawn();
    return isolate ? undefined : this.leastBusy(sizer.depth());
  }

  private leastBusy(depth: number): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.batches.length >= depth || s.batches[0]!.isolated) continue;
      if (!best || s.batches.length < best.batches.length) best = s;
    }
    return best;
  }

  private spawn(): Slot {
    let slot: Slot | undefined;
    // a transport may report synchronously (a spawn that fails at once): route to the slot once it exists
    const early: Array<() => void> = [];
    const on = (fn: (s: Slot) => void) => (slot ? fn(slot) : early.push(() => fn(slot!)));
    const worker: PoolWorker = this.transport.spawn({
      message: (msg) => on((s) => this.events.message(s, msg)),
      exit: (exit) => on((s) => this.slots.includes(s) && !s.stopped && this.events.exit(s, exit)),
    });
    slot = { worker, batches: [], setups: new Set(), started: false, stopped: undefined };
    this.slots.push(slot);
    for (const fn of early) fn();
    return slot;
  }

  /** Send a batch (and its setup, the first time this worker needs it). Throws when the transport cannot serialize it. */
  deliver(slot: Slot, batch: Batch, message: BatchMessage, setup: () => SetupMessage): void {
    if (!slot.setups.has(message.setup)) {
      slot.worker.send(setup());
      slot.setups.add(message.setup);
    }
    slot.worker.send(message);
    if (slot.batches.length === 0) slot.worker.ref();
    slot.batches.push(batch);
  }

  /** A batch is fully answered: the worker holds one fewer (and, with none, lets the process exit). */
  finished(slot: Slot, batch: Batch): void {
    slot.batches.splice(slot.batches.indexOf(batch), 1);
    if (slot.batches.length === 0) slot.worker.unref();
  }

  /** Stop a worker on purpose (or, without a reason, forget a dead one): it leaves the set; its unsettled tasks are returned. */
  remove(slot: Slot, reason: StopReason | undefined): Entry[] {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const entries: Entry[] = [];
    for (const b of slot.batches) b.entries.forEach((e, k) => !b.answered[k] && !e.settled && entries.push(e));
    slot.batches.length = 0;
    if (reason) {
      slot.stopped = reason;
      slot.worker.unref();
      slot.worker.stop(reason);
    }
    return entries;
  }
}

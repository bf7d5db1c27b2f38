// Which task templates are so quick that a hop to a worker thread costs more
// than the task: learnt from what the threads report (time per task), and
// forgotten for good the moment a template is seen hanging, killing a thread or
// running long. Such templates run in the worker's main thread (see
// worker-jobs.ts); everything else, and every task with a timeout, in threads.
import type { FromWorker, PoolWorker, ToWorker, WireTaskBatch } from "@hamilton-ts/kernel/remote";
import { encodedItemCount } from "./job-format.js";

/** Mean time per task in threads (ms) under which a template counts as tiny: a thread hop costs tens of microseconds. */
export const TINY_MS = 0.05;
/** Mean time per task inline (ms) over which it goes back to the threads (well above TINY_MS, so it does not flip-flop on noise). */
const NOT_TINY_MS = 0.5;
/** Tasks seen in threads before a template may run inline. */
const SEEN_BEFORE_INLINE = 200;
/** One inline task taking longer than this (ms) sends its template back to the threads for good: it held up the main thread. */
export const INLINE_LIMIT_MS = 100;

interface Stat {
  tasks: number;
  /** Moving mean of the time per task (ms), over recent reports: a template that slows down goes back to the threads. */
  meanMs: number;
  /** Runs inline now. */
  inline: boolean;
  /** Seen in a thread that died or was stopped, or too slow inline: threads only, from now on. */
  banned: boolean;
}

/** Per template (its node list), what threads and inline runs have shown. */
export class TinyTemplates {
  private readonly stats = new WeakMap<readonly string[], Stat>();

  private stat(nodes: readonly string[]): Stat {
    let s = this.stats.get(nodes);
    if (!s) this.stats.set(nodes, (s = { tasks: 0, meanMs: 0, inline: false, banned: false }));
    return s;
  }

  private observe(nodes: readonly string[], tasks: number, busyMs: number): void {
    const s = this.stat(nodes);
    const per = Math.max(busyMs, 0) / tasks;
    s.meanMs = s.tasks === 0 ? per : s.meanMs * 0.8 + per * 0.2;
    s.tasks += tasks;
    s.inline = s.inline ? s.meanMs < NOT_TINY_MS : s.tasks >= SEEN_BEFORE_INLINE && s.meanMs < TINY_MS;
  }

  /** Whether tasks of this template may run in the main thread now. */
  inline(nodes: readonly string[]): boolean {
    const s = this.stats.get(nodes);
    return s !== undefined && s.inline && !s.banned;
  }

  /** A job's `tasks` inline tasks (an item batch counting its branches) of this template took `busyMs` in all, the longest `longestMs`. */
  ranInline(nodes: readonly string[], tasks: number, busyMs: number, longestMs: number): void {
    if (longestMs > INLINE_LIMIT_MS) this.ban(nodes);
    else if (tasks > 0) this.observe(nodes, tasks, busyMs);
  }

  /** Never inline this template (its task hung, or died with its thread). */
  ban(nodes: readonly string[]): void {
    const s = this.stat(nodes);
    s.banned = true;
    s.inline = false;
  }

  /**
   * Watch one thread: what it is sent and what it reports. When it dies or is
   * stopped (a timeout), the templates of the batches it holds, and of the one
   * it ran last (a timer a task left behind may kill a thread after it
   * answered), are banned.
   */
  watch(worker: PoolWorker, report: (message: FromWorker) => void): { readonly worker: PoolWorker; message(message: FromWorker): void; gone(): void } {
    // seq -> [node lists of the batch, tasks not yet answered]
    const open = new Map<number, { nodes: (readonly string[])[]; left: number; perTask: number }>();
    let last: (readonly string[])[] = [];
    const send = worker.send.bind(worker);
    const stop = worker.stop.bind(worker);
    const gone = () => {
      for (const b of open.values()) for (const n of b.nodes) this.ban(n);
      for (const n of last) this.ban(n);
      open.clear();
    };
    const watched: PoolWorker = Object.assign(worker, {
      send: (m: ToWorker) => {
        if (m.type === "batch") open.set(m.seq, { nodes: m.batch.shapes.map((s) => s.nodes), left: m.batch.taskIds.length, perTask: branchesPerTask(m.batch) });
        send(m);
      },
      stop: (reason: Parameters<PoolWorker["stop"]>[0]) => {
        if (reason === "timeout" || reason === "abort") gone();
        stop(reason);
      },
    });
    return {
      worker: watched,
      message: (m) => {
        if (m.type === "results") {
          const b = open.get(m.seq);
          const answered = m.done.length + m.failures.length;
          if (b) {
            // time per task is known per message; a batch of one template tells it exactly
            // (an item batch's time is its branches': the inline decision is per branch, as the heuristic's figures are)
            if (b.nodes.length === 1 && answered > 0) this.observe(b.nodes[0]!, answered * b.perTask, m.busyMs);
            last = b.nodes;
            b.left -= answered;
            if (b.left <= 0) open.delete(m.seq);
          }
        }
        report(m);
      },
      gone,
    };
  }
}

/** Branches per task of a one-template batch: an item batch's items (its items input is an array), else 1. */
function branchesPerTask(batch: WireTaskBatch): number {
  const shape = batch.shapes[0];
  if (shape?.items === undefined || batch.shapes.length !== 1) return 1;
  const at = shape.inputs.indexOf(shape.items);
  const tasks = batch.taskIdEnds.length;
  let items = 0;
  for (let i = 0; i < tasks; i++) items += encodedItemCount(batch.values[i * shape.inputs.length + at]);
  return tasks > 0 ? items / tasks : 1;
}

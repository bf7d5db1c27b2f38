/** What the queue needs to know of an entry. */
export interface Queued {
  /** Answered already (aborted, failed): skipped. */
  settled: boolean;
  /** Must travel alone. */
  isolate: boolean;
}

/**
 * One run's waiting tasks, first in first out, with room at the front for
 * tasks put back (a dead worker's innocents, suspects re-run alone).
 */
export class RunQueue<T extends Queued> {
  private items: T[] = [];
  private head = 0;

  /** Entries waiting (some may have been settled since; `peek` skips them). */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Put entries back at the front, in their order. */
  unshift(items: readonly T[]): void {
    if (items.length === 0) return;
    this.items = [...items, ...this.items.slice(this.head)];
    this.head = 0;
  }

  /** The first unsettled entry. */
  peek(): T | undefined {
    while (this.head < this.items.length && this.items[this.head]!.settled) this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return this.items[this.head];
  }

  /** Up to `n` unsettled entries from the front; an isolated entry travels alone. */
  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n) {
      const e = this.peek();
      if (!e || (out.length > 0 && e.isolate)) break;
      this.head++;
      out.push(e);
      if (e.isolate) break;
    }
    return out;
  }

  /** Remove and return every unsettled entry. */
  drain(): T[] {
    const out = this.items.slice(this.head).filter((e) => !e.settled);
    this.items = [];
    this.head = 0;
    return out;
  }
}

/** A run with a queue, as the rotation sees it. */
export interface Queueing<T extends Queued> {
  readonly queue: RunQueue<T>;
  /** In the rotation now. */
  listed: boolean;
}

/** Runs with queued tasks, taking turns: each dispatch round serves the next one, so no run starves another. */
export class RunRotation<R extends Queueing<Queued>> {
  private runs: R[] = [];
  private turn = 0;

  get length(): number {
    return this.runs.length;
  }

  /** A run has tasks queued: give it turns. */
  add(run: R): void {
    if (run.listed) return;
    run.listed = true;
    this.runs.push(run);
  }

  /** The run whose turn it is, after dropping those with nothing queued. */
  current(): R | undefined {
    while (this.runs.length > 0) {
      if (this.turn >= this.runs.length) this.turn = 0;
      const run = this.runs[this.turn]!;
      if (run.queue.peek()) return run;
      run.listed = false;
      this.runs.splice(this.turn, 1);
    }
    return undefined;
  }

  /** The next run's turn. */
  pass(): void {
    this.turn++;
  }

  /** Remove every run (their queues are the caller's to drain). */
  clear(): R[] {
    const out = this.runs;
    for (const r of out) r.listed = false;
    this.runs = [];
    this.turn = 0;
    return out;
  }
}

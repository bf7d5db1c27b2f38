/** Aim for batches that carry this much work (ms): enough to hide messaging costs, small enough to balance. */
export const TARGET_BATCH_MS = 16;
/** Below this mean task time (ms), the pool's own work per task dominates: keep few workers busy rather than many half idle. */
const TINY_BELOW_MS = 0.05;
/** An item batch aims to carry this much work (ms): the per-task costs vanish, and workers stay balanced. */
const ITEM_BATCH_MS = 1;
/** Below this mean task time (ms), a worker may hold a second batch while it runs the first (hides the round trip). */
const PIPELINE_BELOW_MS = 20;

/**
 * How many tasks of one template travel in one message. It starts at one
 * task per message (long tasks balance best that way) and follows the mean
 * time per task that workers report: trivial tasks soon travel by the
 * hundred, tasks of a few milliseconds or more one by one.
 */
export class BatchSizer {
  private meanMs: number | undefined;
  /** Mean time per branch, item batches counted by their items. */
  private itemMeanMs: number | undefined;

  /** @param max Most tasks in one message (`1` turns batching off). */
  constructor(private readonly max: number) {}

  /** Record a worker's report: time spent, tasks finished, and the branches they held (item batches hold many). */
  observe(busyMs: number, tasks: number, items = tasks): void {
    if (tasks <= 0 || !Number.isFinite(busyMs)) return;
    const perTask = Math.max(busyMs, 0) / tasks;
    this.meanMs = this.meanMs === undefined ? perTask : this.meanMs * 0.7 + perTask * 0.3;
    const perItem = Math.max(busyMs, 0) / Math.max(items, 1);
    this.itemMeanMs = this.itemMeanMs === undefined ? perItem : this.itemMeanMs * 0.7 + perItem * 0.3;
  }

  /**
   * Branches per task (`TaskExecutor.itemsPerTask`): one until workers have
   * reported (long branches balance best alone), then about a millisecond's
   * worth, at most `most`.
   */
  itemsPerTask(most: number): number {
    if (this.itemMeanMs === undefined || most <= 1) return 1;
    return Math.max(1, Math.min(most, Math.floor(ITEM_BATCH_MS / Math.max(this.itemMeanMs, 1e-5))));
  }

  /** Tasks per message now. */
  size(): number {
    if (this.meanMs === undefined) return 1;
    return Math.max(1, Math.min(this.max, Math.floor(TARGET_BATCH_MS / Math.max(this.meanMs, 1e-4))));
  }

  /** Tasks take so little time that the pool's own work per task dominates. */
  tiny(): boolean {
    return this.meanMs !== undefined && this.meanMs < TINY_BELOW_MS;
  }

  /** Batches one worker may hold at once. */
  depth(): number {
    return this.meanMs !== undefined && this.meanMs < PIPELINE_BELOW_MS ? 2 : 1;
  }
}

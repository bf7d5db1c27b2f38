/** Aim for messages that keep a child busy this long: IPC costs tens of microseconds per message. */
const TARGET_BATCH_MS = 4;
/** Most tasks in one message when chunking adapts. */
export const AUTO_MAX_CHUNK = 512;
/** Below this mean task time, the parent's scheduling costs more than the task itself. */
const TINY_BELOW_MS = 0.05;
/** Above this mean task time, a child holds one message at a time (better balance); below, two (hides IPC latency). */
const PIPELINE_BELOW_MS = 20;

/**
 * Decides how many tasks travel in one IPC message. With `"auto"`, it starts
 * at one task per message (long tasks balance best that way) and follows the
 * mean compute time per task that children report: trivial tasks quickly reach
 * hundreds per message, tasks of a few milliseconds or more go one by one.
 */
export class ChunkSizer {
  private meanMs: number | undefined;
  constructor(private readonly fixed: number | "auto") {}

  /** Record a finished message: its compute time in the child and its task count. */
  observe(computeMs: number, tasks: number): void {
    if (tasks <= 0 || !Number.isFinite(computeMs)) return;
    const perTask = Math.max(computeMs, 0) / tasks;
    this.meanMs = this.meanMs === undefined ? perTask : this.meanMs * 0.7 + perTask * 0.3;
  }

  /** Tasks per message now. */
  chunk(): number {
    if (this.fixed !== "auto") return this.fixed;
    if (this.meanMs === undefined) return 1;
    return Math.max(1, Math.min(AUTO_MAX_CHUNK, Math.floor(TARGET_BATCH_MS / Math.max(this.meanMs, 1e-4))));
  }

  /** Whether tasks take so little time that the parent's own work per task dominates. */
  tiny(): boolean {
    return this.meanMs !== undefined && this.meanMs < TINY_BELOW_MS;
  }

  /** Messages a child may hold at once. */
  depth(): number {
    return this.meanMs !== undefined && this.meanMs >= PIPELINE_BELOW_MS ? 1 : 2;
  }
}

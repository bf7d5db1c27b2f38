import type { CacheEvent } from "@hamilton-ts/kernel";
import type {
  LifecycleAdapter,
  PostGraphExecuteArgs,
  PostNodeExecuteArgs,
  PostTaskExecuteArgs,
  PostTaskExpansionArgs,
  PostTaskGroupingArgs,
  PreGraphExecuteArgs,
  PreTaskExecuteArgs,
} from "@hamilton-ts/kernel/contracts";
import { renderFinal, renderLine, renderLogBlock, renderLogNodes, renderStart } from "./render.js";
import { RunProgress } from "./run-progress.js";
import type { ProgressSnapshot } from "./snapshot.js";

export type { BlockProgress, NodeTiming, ProgressSnapshot } from "./snapshot.js";

/** Where progress goes: `process.stderr` by default. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of `ProgressAdapter`. */
export interface ProgressAdapterOptions {
  /** Where to write (default `process.stderr`). */
  readonly stream?: ProgressStream;
  /**
   * `"live"`: one redrawn line (for terminals); `"log"`: plain lines, throttled
   * (for logs and CI); `"silent"`: record only (read `snapshot()`). Default:
   * live on a TTY, else log.
   */
  readonly mode?: "live" | "log" | "silent";
  /** @deprecated Totals now come from the run's own hooks; this is ignored. */
  readonly driver?: unknown;
  /** Redraw interval of the live line in ms (default 100). */
  readonly intervalMs?: number;
  /** Least time between two progress lines in log mode, in ms (default 1000). */
  readonly logIntervalMs?: number;
  /** Rows of the per-node timing summary (default 5; 0 for none). */
  readonly summaryRows?: number;
  /** Clock in ms (default `performance.now`); for tests. */
  readonly now?: () => number;
}

/** What log mode has written for one run, so it writes each thing once and the rest at most once a second. */
interface LogState {
  readonly announced: Set<string>;
  readonly finished: Set<string>;
  readonly lastBlockLine: Map<string, number>;
  lastNodesLine: number;
  lastNodesDone: number;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * A lifecycle adapter that shows a run's progress: nodes done / total, the
 * current parallel block's branches done / total with an ETA, and at the end
 * the wall time and the slowest nodes. It reads the kernel's structured hooks
 * (task grouping, expansions, task paths and blocks, node outcomes), so it
 * works under every executor and for classic runs. Off a terminal it writes
 * a few lines per run, never one per node. Each run is followed on its own;
 * overlapping runs do not mix.
 *
 * @example
 * const progress = new ProgressAdapter();
 * const dr = await new Builder().withModules(url).withAdapters(progress).build();
 * await dr.execute(["total_words"]);
 */
export class ProgressAdapter implements LifecycleAdapter {
  private readonly stream: ProgressStream;
  private readonly mode: "live" | "log" | "silent";
  private readonly intervalMs: number;
  private readonly logIntervalMs: number;
  private readonly summaryRows: number;
  private readonly now: () => number;
  private readonly runs = new Map<string, RunProgress>();
  private readonly logs = new Map<RunProgress, LogState>();
  private latest: RunProgress | undefined;
  // the last run a node hook named: spares a Map lookup per node in the common case of one run
  private hotId: string | undefined;
  private hot: RunProgress | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  private liveDrawn = false;

  constructor(options: ProgressAdapterOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.mode = options.mode ?? (this.stream.isTTY ? "live" : "log");
    this.intervalMs = options.intervalMs ?? 100;
    this.logIntervalMs = options.logIntervalMs ?? 1000;
    this.summaryRows = options.summaryRows ?? 5;
    this.now = options.now ?? (() => performance.now());
  }

  /** @deprecated Totals now come from the run's own hooks: no need to attach a driver. */
  attach(_driver?: unknown): this {
    return this;
  }

  preGraphExecute(args: PreGraphExecuteArgs): void {
    const run = new RunProgress(args.finalVars, this.now(), this.now);
    // keep finished runs only while they are the latest (for snapshot())
    for (const [id, r] of this.runs) if (!r.running) this.runs.delete(id);
    this.runs.set(args.runId, run);
    this.latest = run;
    if (this.mode === "log") this.logs.set(run, { announced: new Set(), finished: new Set(), lastBlockLine: new Map(), lastNodesLine: this.now(), lastNodesDone: 0 });
    if (this.mode !== "silent" && this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), this.mode === "live" ? this.intervalMs : this.logIntervalMs);
      this.timer.unref?.();
    }
    if (this.mode === "live") this.draw();
  }

  postTaskGrouping(args: PostTaskGroupingArgs): void {
    const run = this.runs.get(args.runId);
    if (!run) return;
    run.grouped(args);
    if (this.logs.has(run)) this.stream.write(renderStart(run.finalVars, run.staticNodes) + "\n");
  }

  postTaskExpansion(args: PostTaskExpansionArgs): void {
    const run = this.runs.get(args.runId);
    if (!run) return;
    if (run.expanded(args)) this.announce(run, args.expander);
  }

  preTaskExecute(args: PreTaskExecuteArgs): void {
    const run = this.runs.get(args.runId);
    if (!run) return;
    run.taskStarted(args);
    if (args.block !== undefined) this.announce(run, args.block);
  }

  postTaskExecute(args: PostTaskExecuteArgs): void {
    const run = this.runs.get(args.runId);
    if (!run) return;
    const block = run.taskEnded(args);
    if (block !== undefined) this.logBlock(run, block);
  }

  postNodeExecute(args: PostNodeExecuteArgs): void {
    let run = this.hot;
    if (args.runId !== this.hotId) {
      run = this.runs.get(args.runId);
      this.hotId = args.runId;
      this.hot = run;
    }
    run?.nodeEnded(args.nodeName, args.success, args.durationMs ?? 0);
  }

  /** Hits count as nodes done (no node hook fires for them: they do not run). */
  postCacheEvent(event: CacheEvent): void {
    if (event.type !== "hit") return;
    let run = this.hot;
    if (event.runId !== this.hotId) {
      run = this.runs.get(event.runId);
      this.hotId = event.runId;
      this.hot = run;
    }
    run?.nodeHit();
  }

  postGraphExecute(args: PostGraphExecuteArgs): void {
    const run = this.runs.get(args.runId);
    if (!run) return;
    run.ended(this.now());
    this.logs.delete(run);
    if (this.hot === run) this.hot = this.hotId = undefined;
    if (![...this.runs.values()].some((r) => r.running) && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    if (this.mode === "silent") return;
    this.clearLive();
    this.stream.write(
      renderFinal({ success: args.success, error: args.error, finalVars: run.finalVars, snapshot: run.snapshot(), rows: this.summaryRows, color: this.mode === "live" }),
    );
  }

  /** A run as it stands (the latest run started, unless `runId` names another): counts, blocks, ETA and per-node timings. */
  snapshot(runId?: string): ProgressSnapshot {
    const run = runId === undefined ? this.latest : this.runs.get(runId);
    return (
      run?.snapshot() ?? {
        running: false,
        elapsedMs: 0,
        nodesDone: 0,
        nodesFailed: 0,
        nodesCached: 0,
        nodesTotal: undefined,
        totalKnown: false,
        currentBlock: undefined,
        blocks: [],
        timings: [],
        etaMs: undefined,
      }
    );
  }

  /** Log mode: the first line about a block (its size, or that it started). */
  private announce(run: RunProgress, block: string): void {
    const log = this.logs.get(run);
    if (!log || log.announced.has(block)) return;
    log.announced.add(block);
    log.lastBlockLine.set(block, this.now());
    this.stream.write(renderLogBlock(run.block(block), true, false) + "\n");
  }

  /** Log mode, after a branch finished: the block's done line once, progress at most once per interval. */
  private logBlock(run: RunProgress, block: string): void {
    const log = this.logs.get(run);
    if (!log || log.finished.has(block)) return;
    const b = run.block(block);
    const finished = b.totalKnown && b.branchesDone === b.branchesTotal;
    const t = this.now();
    if (!finished && t - (log.lastBlockLine.get(block) ?? -Infinity) < this.logIntervalMs) return;
    if (finished) log.finished.add(block);
    log.lastBlockLine.set(block, t);
    this.stream.write(renderLogBlock(b, false, finished) + "\n");
  }

  private tick(): void {
    if (this.mode === "live") {
      this.draw();
      return;
    }
    // log mode: a line about nodes when some finished since the last one
    for (const [run, log] of this.logs) {
      if (run.nodesDone === log.lastNodesDone || this.now() - log.lastNodesLine < this.logIntervalMs) continue;
      log.lastNodesDone = run.nodesDone;
      log.lastNodesLine = this.now();
      this.stream.write(renderLogNodes(run.snapshot(false)) + "\n");
    }
  }

  private draw(): void {
    const run = this.latest;
    if (!run?.running) return;
    const line = renderLine(run.snapshot(false), SPINNER[this.frame++ % SPINNER.length]!, this.stream.columns || 100);
    this.stream.write(`\r\x1b[2K${line}`);
    this.liveDrawn = true;
  }

  private clearLive(): void {
    if (this.liveDrawn) this.stream.write("\r\x1b[2K");
    this.liveDrawn = false;
  }
}

import type { LifecycleAdapter, PostGraphExecuteArgs, PostNodeExecuteArgs, PostTaskExecuteArgs, PreGraphExecuteArgs, PreNodeExecuteArgs, PreTaskExecuteArgs } from "@hamilton-ts/kernel/contracts";
import { pathOfTask, planBlocks, type BlockPlan, type GraphSource } from "./block-plan.js";
import { formatDuration, renderFinal, renderLine, renderLogBlock, renderStart, type NodeTiming } from "./render.js";

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
   * `"live"`: one redrawn line (for terminals); `"log"`: plain lines (for logs and
   * CI); `"silent"`: record only (read `snapshot()`). Default: live on a TTY, else log.
   */
  readonly mode?: "live" | "log" | "silent";
  /** The driver, for totals (nodes to compute, nodes per branch). `attach()` does the same after `build()`. */
  readonly driver?: GraphSource;
  /** Redraw interval of the live line in ms (default 100). */
  readonly intervalMs?: number;
  /** Rows of the per-node timing summary (default 5; 0 for none). */
  readonly summaryRows?: number;
  /** Clock in ms (default `performance.now`); for tests. */
  readonly now?: () => number;
}

/** Progress of one parallel block (all its expansions, for nested blocks). */
export interface BlockProgress {
  /** The parallelizable node that opens the block. */
  readonly expander: string;
  readonly branchesDone: number;
  /** Branches known so far (exact once `totalKnown`). */
  readonly branchesTotal: number;
  readonly totalKnown: boolean;
  /** Estimated ms until the block is done, when it can be told. */
  readonly etaMs: number | undefined;
  /** Since its first expansion began. */
  readonly elapsedMs: number;
}

/** A point-in-time view of a run, for custom displays. */
export interface ProgressSnapshot {
  readonly running: boolean;
  readonly elapsedMs: number;
  readonly nodesDone: number;
  readonly nodesFailed: number;
  /** Node runs expected so far (exact once `totalKnown`); undefined without a driver. */
  readonly nodesTotal: number | undefined;
  readonly totalKnown: boolean;
  /** The block most recently active and not finished. */
  readonly currentBlock: BlockProgress | undefined;
  readonly blocks: readonly BlockProgress[];
  /** Per node name, slowest total first. */
  readonly timings: readonly NodeTiming[];
  readonly etaMs: number | undefined;
}

interface Expansion {
  readonly expander: string;
  total: number | undefined;
  readonly seen: Set<number>;
  readonly done: Set<number>;
  readonly nodesDone: Map<number, number>;
  readonly openTasks: Map<number, number>;
  readonly started: number;
  lastActive: number;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

function lengthOf(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (ArrayBuffer.isView(value) && "length" in value) return (value as unknown as { length: number }).length;
  return undefined;
}

/**
 * A lifecycle adapter that shows a run's progress: nodes done / total, the
 * current parallel block's branches done / total with an ETA, and at the end the
 * wall time and the slowest nodes. Built on the node and task hooks only, so it
 * works under every executor (node hooks fire in the calling thread whichever
 * thread, process or machine ran the node).
 *
 * @example
 * const progress = new ProgressAdapter();
 * const dr = await new Builder().withModules(url).withAdapters(progress).build();
 * progress.attach(dr); // optional: gives totals and branch counts
 * await dr.execute(["total_words"]);
 */
export class ProgressAdapter implements LifecycleAdapter {
  private readonly stream: ProgressStream;
  private readonly mode: "live" | "log" | "silent";
  private readonly intervalMs: number;
  private readonly summaryRows: number;
  private readonly now: () => number;
  private source: GraphSource | undefined;
  private plan: BlockPlan | undefined;
  private startedAt = 0;
  private endedAt: number | undefined;
  private running = false;
  private finalVars: readonly string[] = [];
  private nodesDone = 0;
  private nodesFailed = 0;
  private readonly expansions = new Map<string, Expansion>();
  private readonly byExpander = new Map<string, Expansion[]>();
  private readonly timings = new Map<string, { runs: number; totalMs: number; maxMs: number }>();
  private readonly nodeStarts = new Map<string, number>();
  private readonly givenTotals = new Map<string, number>();
  private current: Expansion | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  private lastLog = new Map<string, number>();
  private liveDrawn = false;

  constructor(options: ProgressAdapterOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.mode = options.mode ?? (this.stream.isTTY ? "live" : "log");
    this.intervalMs = options.intervalMs ?? 100;
    this.summaryRows = options.summaryRows ?? 5;
    this.now = options.now ?? (() => performance.now());
    this.source = options.driver;
  }

  /** Read totals from the driver (call after `build()`). */
  attach(driver: GraphSource): this {
    this.source = driver;
    return this;
  }

  preGraphExecute(args: PreGraphExecuteArgs): void {
    this.startedAt = this.now();
    this.endedAt = undefined;
    this.running = true;
    this.finalVars = args.finalVars;
    this.nodesDone = 0;
    this.nodesFailed = 0;
    this.expansions.clear();
    this.byExpander.clear();
    this.timings.clear();
    this.nodeStarts.clear();
    this.givenTotals.clear();
    this.lastLog.clear();
    this.current = undefined;
    const given = new Set([...Object.keys(args.inputs), ...Object.keys(args.overrides)]);
    this.plan = this.source ? planBlocks(this.source.graph, args.finalVars, given) : undefined;
    for (const [name, value] of [...Object.entries(args.inputs), ...Object.entries(args.overrides)]) {
      const n = lengthOf(value);
      if (n !== undefined && this.plan?.perBranch.has(name)) this.givenTotals.set(name, n);
    }
    if (this.mode === "log") this.stream.write(renderStart(args.finalVars, this.plan ? this.plan.topLevel + [...this.plan.perBranch.values()].reduce((a, b) => a + b, 0) : undefined) + "\n");
    if (this.mode === "live") {
      this.timer = setInterval(() => this.draw(), this.intervalMs);
      this.timer.unref?.();
      this.draw();
    }
  }

  preTaskExecute(args: PreTaskExecuteArgs): void {
    const path = pathOfTask(args.taskId);
    if (path.length === 0) return;
    const exp = this.expansionFor(args.nodes[0], path);
    const index = path[path.length - 1]!;
    exp.seen.add(index);
    exp.openTasks.set(index, (exp.openTasks.get(index) ?? 0) + 1);
    exp.lastActive = this.now();
    this.current = exp;
  }

  postTaskExecute(args: PostTaskExecuteArgs): void {
    const path = pathOfTask(args.taskId);
    if (args.success && args.result && this.plan) {
      for (const [name, value] of Object.entries(args.result)) {
        if (this.plan.perBranch.has(name)) this.expanderDone(name, path, value);
      }
    }
    if (path.length === 0 || this.plan) return; // with a plan, branches finish by node count
    const exp = this.expansionFor(args.nodes[0], path);
    const index = path[path.length - 1]!;
    const open = (exp.openTasks.get(index) ?? 1) - 1;
    exp.openTasks.set(index, open);
    if (open === 0 && args.success) this.branchDone(exp, index);
  }

  preNodeExecute(args: PreNodeExecuteArgs): void {
    this.nodeStarts.set(`${args.taskId}\u0000${args.nodeName}`, this.now());
  }

  postNodeExecute(args: PostNodeExecuteArgs): void {
    const key = `${args.taskId}\u0000${args.nodeName}`;
    const started = this.nodeStarts.get(key);
    this.nodeStarts.delete(key);
    const ms = args.durationMs ?? (started === undefined ? 0 : this.now() - started);
    if (!args.success) {
      this.nodesFailed++;
      return;
    }
    this.nodesDone++;
    let t = this.timings.get(args.nodeName);
    if (!t) this.timings.set(args.nodeName, (t = { runs: 0, totalMs: 0, maxMs: 0 }));
    t.runs++;
    t.totalMs += ms;
    t.maxMs = Math.max(t.maxMs, ms);
    const path = pathOfTask(args.taskId);
    if (this.mode === "log" && path.length === 0) this.stream.write(`[hamilton-ts] ✓ ${args.nodeName} (${formatDuration(ms)})\n`);
    if (this.plan?.perBranch.has(args.nodeName)) this.expanderDone(args.nodeName, path, args.result);
    const block = this.plan?.blockOf.get(args.nodeName);
    if (block !== undefined && path.length > 0) {
      const exp = this.expansion(block, path.slice(0, -1));
      const index = path[path.length - 1]!;
      exp.seen.add(index);
      const n = (exp.nodesDone.get(index) ?? 0) + 1;
      exp.nodesDone.set(index, n);
      exp.lastActive = this.now();
      this.current = exp;
      if (n >= (this.plan!.perBranch.get(block) ?? Infinity)) this.branchDone(exp, index);
    }
  }

  postGraphExecute(args: PostGraphExecuteArgs): void {
    this.endedAt = this.now();
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.mode === "silent") return;
    this.clearLive();
    this.stream.write(
      renderFinal({
        success: args.success,
        error: args.error,
        finalVars: this.finalVars,
        snapshot: this.snapshot(),
        rows: this.summaryRows,
        color: this.mode === "live",
      }),
    );
  }

  /** The run as it stands: counts, blocks, ETA and per-node timings. */
  snapshot(): ProgressSnapshot {
    const now = this.endedAt ?? this.now();
    const elapsedMs = this.startedAt ? now - this.startedAt : 0;
    const byExpander = this.byExpander;
    const blocks: BlockProgress[] = [];
    let nodesTotal = this.plan?.topLevel;
    let totalKnown = this.plan !== undefined;
    for (const [expander, list] of byExpander) blocks.push(this.blockProgress(expander, list, now));
    if (this.plan) {
      for (const [expander, perBranch] of this.plan.perBranch) {
        const list = byExpander.get(expander) ?? [];
        const expected = this.expectedExpansions(expander);
        if (expected === undefined || list.length < expected || list.some((e) => this.totalOf(e) === undefined)) totalKnown = false;
        nodesTotal! += perBranch * list.reduce((a, e) => a + (this.totalOf(e) ?? e.seen.size), 0);
      }
    }
    const cur = this.current ? blocks.find((b) => b.expander === this.current!.expander) : undefined;
    const currentBlock = cur && (cur.branchesDone < cur.branchesTotal || !cur.totalKnown) ? cur : undefined;
    let etaMs = currentBlock?.etaMs;
    if (!currentBlock && totalKnown && nodesTotal !== undefined && this.nodesDone > 0 && this.running) {
      etaMs = (elapsedMs / this.nodesDone) * Math.max(0, nodesTotal - this.nodesDone);
    }
    const timings = [...this.timings.entries()]
      .map(([name, t]) => ({ name, runs: t.runs, totalMs: t.totalMs, avgMs: t.totalMs / t.runs, maxMs: t.maxMs }))
      .sort((a, b) => b.totalMs - a.totalMs);
    return {
      running: this.running,
      elapsedMs,
      nodesDone: this.nodesDone,
      nodesFailed: this.nodesFailed,
      nodesTotal,
      totalKnown,
      currentBlock,
      blocks,
      timings,
      etaMs,
    };
  }

  private blockProgress(expander: string, list: readonly Expansion[], now: number): BlockProgress {
    let done = 0;
    let total = 0;
    let known = true;
    let started = Infinity;
    for (const e of list) {
      done += e.done.size;
      const t = this.totalOf(e);
      if (t === undefined) known = false;
      total += t ?? e.seen.size;
      started = Math.min(started, e.started);
    }
    const expected = this.expectedExpansions(expander);
    if (this.plan && (expected === undefined || list.length < expected)) known = false;
    const etaMs = known && done > 0 && done < total ? ((now - started) / done) * (total - done) : undefined;
    return { expander, branchesDone: done, branchesTotal: total, totalKnown: known, etaMs, elapsedMs: now - started };
  }

  /** How many times the expander runs (1 at top level), or undefined while its enclosing block is unknown. */
  private expectedExpansions(expander: string): number | undefined {
    if (!this.plan) return undefined;
    if (this.givenTotals.has(expander)) return 1;
    const parent = this.plan.blockOf.get(expander);
    if (parent === undefined) return 1;
    let total = 0;
    for (const e of this.byExpander.get(parent) ?? []) {
      const t = this.totalOf(e);
      if (t === undefined) return undefined;
      total += t;
    }
    return total;
  }

  private totalOf(e: Expansion): number | undefined {
    return e.total ?? this.givenTotals.get(e.expander);
  }

  private expanderDone(expander: string, path: readonly number[], value: unknown): void {
    const exp = this.expansion(expander, path);
    const n = lengthOf(value);
    if (n !== undefined) exp.total = n;
    if (this.mode === "log" && !this.lastLog.has(expander)) this.logBlock(expander, true);
  }

  private branchDone(exp: Expansion, index: number): void {
    if (exp.done.has(index)) return;
    exp.done.add(index);
    if (this.mode === "log") this.logBlock(exp.expander, false, exp);
  }

  private logBlock(expander: string, started: boolean, exp?: Expansion): void {
    const t = this.now();
    // cheap early exit: a throttled progress line whose expansion is not complete
    const expDone = exp !== undefined && this.totalOf(exp) !== undefined && exp.done.size >= this.totalOf(exp)!;
    if (!started && !expDone && t - (this.lastLog.get(expander) ?? -Infinity) < 1000) return;
    const b = this.blockProgress(expander, this.byExpander.get(expander) ?? [], t);
    const finished = b.totalKnown && b.branchesDone === b.branchesTotal;
    if (!started && !finished && t - (this.lastLog.get(expander) ?? -Infinity) < 1000) return;
    this.lastLog.set(expander, t);
    this.stream.write(renderLogBlock(b, started, finished) + "\n");
  }

  private expansionFor(firstNode: string | undefined, path: readonly number[]): Expansion {
    const block = (firstNode !== undefined && this.plan?.blockOf.get(firstNode)) || "parallel block";
    return this.expansion(block, path.slice(0, -1));
  }

  private expansion(expander: string, parentPath: readonly number[]): Expansion {
    const key = `${expander}@${parentPath.join(",")}`;
    let e = this.expansions.get(key);
    if (!e) {
      const t = this.now();
      e = { expander, total: undefined, seen: new Set(), done: new Set(), nodesDone: new Map(), openTasks: new Map(), started: t, lastActive: t };
      this.expansions.set(key, e);
      let list = this.byExpander.get(expander);
      if (!list) this.byExpander.set(expander, (list = []));
      list.push(e);
    }
    return e;
  }

  private draw(): void {
    if (!this.running) return;
    const line = renderLine(this.snapshot(), SPINNER[this.frame++ % SPINNER.length]!, this.stream.columns || 100);
    this.stream.write(`\r\x1b[2K${line}`);
    this.liveDrawn = true;
  }

  private clearLive(): void {
    if (this.liveDrawn) this.stream.write("\r\x1b[2K");
    this.liveDrawn = false;
  }
}

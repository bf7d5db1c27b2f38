// The progress of one run, built from the kernel's structured hooks only:
// `postTaskGrouping` says which tasks a run has and which block each runs in,
// `postTaskExpansion` how many branches each expansion has, task hooks which
// branch runs and finishes (by `block` and `path`), node hooks what is done.
// Nothing here re-derives the graph or parses task ids, so it works under
// every executor, classic runs included (one task, `classic`).
import type { PostTaskExecuteArgs, PostTaskExpansionArgs, PostTaskGroupingArgs, PreTaskExecuteArgs } from "@hamilton-ts/kernel/contracts";
import type { BlockProgress, NodeTiming, ProgressSnapshot } from "./snapshot.js";

/** What grouping tells about one block (one parallelizable node). */
interface BlockShape {
  /** Nodes that run once per branch of this block (its own frame, not nested blocks). */
  nodesPerBranch: number;
  /** Tasks that run once per branch: a branch is done when all of them are. */
  tasksPerBranch: number;
  /** The enclosing block, undefined at the top level. */
  parent: string | undefined;
}

/** One expansion: a block's branches in one scope (once at the top level; once per outer branch when nested). */
interface Expansion {
  items: number | undefined;
  readonly seen: Set<number>;
  readonly tasksDone: Map<number, number>;
}

/** A block's expansions together. */
interface BlockTotals {
  expansions: number;
  /** Expansions whose item count is known, and the sum of those counts. */
  known: number;
  items: number;
  /** Branches seen in expansions of unknown size. */
  seenUnknown: number;
  done: number;
  readonly started: number;
}

interface Timing {
  runs: number;
  totalMs: number;
  maxMs: number;
}

/** The state of one run, fed by the adapter's hooks. */
export class RunProgress {
  running = true;
  endedAt: number | undefined;
  nodesDone = 0;
  nodesFailed = 0;
  /** Nodes answered by the cache (counted in `nodesDone` too: they are done, without running). */
  nodesCached = 0;
  /** Distinct nodes the run computes (from grouping); undefined before grouping. */
  staticNodes: number | undefined;
  /** The block most recently active. */
  current: string | undefined;
  private topNodes: number | undefined;
  private readonly shapes = new Map<string, BlockShape>();
  /** Block → parent path (`"0,2"`) → expansion. */
  private readonly expansions = new Map<string, Map<string, Expansion>>();
  private readonly totals = new Map<string, BlockTotals>();
  private readonly timings = new Map<string, Timing>();

  constructor(
    readonly finalVars: readonly string[],
    readonly startedAt: number,
    private readonly now: () => number,
  ) {}

  grouped(args: PostTaskGroupingArgs): void {
    let top = 0;
    let all = 0;
    for (const t of args.tasks) {
      all += t.nodes.length;
      const block = t.frame[t.frame.length - 1];
      if (block === undefined) {
        top += t.nodes.length;
        continue;
      }
      let shape = this.shapes.get(block);
      if (!shape) this.shapes.set(block, (shape = { nodesPerBranch: 0, tasksPerBranch: 0, parent: t.frame[t.frame.length - 2] }));
      shape.nodesPerBranch += t.nodes.length;
      shape.tasksPerBranch++;
    }
    this.topNodes = top;
    this.staticNodes = all;
  }

  /** Returns whether this made the block's first expansion known (for a log line). */
  expanded(args: PostTaskExpansionArgs): boolean {
    const exp = this.expansion(args.expander, args.path);
    if (exp.items !== undefined) return false;
    const totals = this.totalsOf(args.expander);
    exp.items = args.items;
    totals.known++;
    totals.items += args.items;
    totals.seenUnknown -= exp.seen.size;
    return totals.known === 1;
  }

  taskStarted(args: PreTaskExecuteArgs): void {
    const block = args.block;
    if (block === undefined) return;
    const index = args.path[args.path.length - 1]!;
    const exp = this.expansion(block, args.path.slice(0, -1));
    if (!exp.seen.has(index)) {
      exp.seen.add(index);
      if (exp.items === undefined) this.totalsOf(block).seenUnknown++;
    }
    this.current = block;
  }

  /** Returns the block whose branch this task finished, if it did. */
  taskEnded(args: PostTaskExecuteArgs): string | undefined {
    const block = args.block;
    if (block === undefined || !args.success) return undefined;
    this.current = block;
    const shape = this.shapes.get(block);
    const index = args.path[args.path.length - 1]!;
    const exp = this.expansion(block, args.path.slice(0, -1));
    const n = (exp.tasksDone.get(index) ?? 0) + 1;
    exp.tasksDone.set(index, n);
    if (n !== (shape?.tasksPerBranch ?? 1)) return undefined;
    this.totalsOf(block).done++;
    return block;
  }

  /** A node the cache answered: done, and no node hook will say so. */
  nodeHit(): void {
    this.nodesDone++;
    this.nodesCached++;
  }

  nodeEnded(nodeName: string, success: boolean, ms: number): void {
    if (!success) {
      this.nodesFailed++;
      return;
    }
    this.nodesDone++;
    const t = this.timings.get(nodeName);
    if (t === undefined) this.timings.set(nodeName, { runs: 1, totalMs: ms, maxMs: ms });
    else {
      t.runs++;
      t.totalMs += ms;
      if (ms > t.maxMs) t.maxMs = ms;
    }
  }

  ended(at: number): void {
    this.running = false;
    this.endedAt = at;
  }

  /** How many expansions the block has in all, when that is known yet. */
  private expectedExpansions(block: string): number | undefined {
    const parent = this.shapes.get(block)?.parent;
    if (parent === undefined) return 1;
    const p = this.totals.get(parent);
    return p && this.isKnown(parent) ? p.items : undefined;
  }

  private isKnown(block: string): boolean {
    const t = this.totals.get(block);
    const expected = this.expectedExpansions(block);
    if (expected === 0) return true;
    return t !== undefined && expected !== undefined && t.known === t.expansions && t.expansions === expected;
  }

  block(block: string, now = this.endedAt ?? this.now()): BlockProgress {
    const t = this.totalsOf(block);
    const total = t.items + t.seenUnknown;
    const known = this.isKnown(block);
    const etaMs = known && t.done > 0 && t.done < total ? ((now - t.started) / t.done) * (total - t.done) : undefined;
    return { expander: block, branchesDone: t.done, branchesTotal: total, totalKnown: known, etaMs, elapsedMs: now - t.started };
  }

  /** The run as it stands; timings are sorted only when asked for (the live line needs none). */
  snapshot(withTimings = true): ProgressSnapshot {
    const now = this.endedAt ?? this.now();
    const elapsedMs = now - this.startedAt;
    const blocks: BlockProgress[] = [];
    let nodesTotal = this.topNodes;
    let totalKnown = this.topNodes !== undefined;
    for (const [name, shape] of this.shapes) {
      if (!this.totals.has(name)) {
        if (this.expectedExpansions(name) !== 0) totalKnown = false;
        continue;
      }
      const b = this.block(name, now);
      blocks.push(b);
      if (!b.totalKnown) totalKnown = false;
      if (nodesTotal !== undefined) nodesTotal += shape.nodesPerBranch * b.branchesTotal;
    }
    const cur = this.current === undefined ? undefined : blocks.find((b) => b.expander === this.current);
    const currentBlock = cur && (cur.branchesDone < cur.branchesTotal || !cur.totalKnown) ? cur : undefined;
    let etaMs = currentBlock?.etaMs;
    if (!currentBlock && totalKnown && nodesTotal !== undefined && this.nodesDone > 0 && this.running) {
      etaMs = (elapsedMs / this.nodesDone) * Math.max(0, nodesTotal - this.nodesDone);
    }
    const timings: NodeTiming[] = withTimings
      ? [...this.timings].map(([name, t]) => ({ name, runs: t.runs, totalMs: t.totalMs, avgMs: t.totalMs / t.runs, maxMs: t.maxMs })).sort((a, b) => b.totalMs - a.totalMs)
      : [];
    return { running: this.running, elapsedMs, nodesDone: this.nodesDone, nodesFailed: this.nodesFailed, nodesCached: this.nodesCached, nodesTotal, totalKnown, currentBlock, blocks, timings, etaMs };
  }

  private totalsOf(block: string): BlockTotals {
    let t = this.totals.get(block);
    if (!t) this.totals.set(block, (t = { expansions: 0, known: 0, items: 0, seenUnknown: 0, done: 0, started: this.now() }));
    return t;
  }

  private expansion(block: string, parentPath: readonly number[]): Expansion {
    let byPath = this.expansions.get(block);
    if (!byPath) this.expansions.set(block, (byPath = new Map()));
    const key = parentPath.join(",");
    let e = byPath.get(key);
    if (!e) {
      byPath.set(key, (e = { items: undefined, seen: new Set(), tasksDone: new Map() }));
      this.totalsOf(block).expansions++;
    }
    return e;
  }
}

import type { FunctionGraph } from "@hamilton-ts/kernel/contracts";

/**
 * What one run will compute, as far as the static graph can tell: the nodes
 * outside any parallel block, and for each parallelizable node how many nodes
 * run once per branch of its block (its own frame, not nested ones).
 */
export interface BlockPlan {
  /** Nodes that run once per run. */
  readonly topLevel: number;
  /** Expander name → nodes that run once per branch of its block. */
  readonly perBranch: ReadonlyMap<string, number>;
  /** Node name → the innermost expander whose block it runs in (absent: top level). */
  readonly blockOf: ReadonlyMap<string, string>;
}

/** The part of a Driver the progress display reads. */
export interface GraphSource {
  readonly graph: FunctionGraph;
}

/**
 * Work out which nodes a run computes and which parallel block each runs in,
 * following the kernel's rules: a node inherits the deepest block of its
 * dependencies, a parallelizable dependency opens a block, a collected one closes it.
 */
export function planBlocks(
  graph: FunctionGraph,
  finalVars: readonly string[],
  given: ReadonlySet<string>,
): BlockPlan {
  const stopAt = new Set([...given].filter((n) => graph.get(n) !== undefined));
  const needed = graph.upstreamOf(finalVars.filter((f) => graph.get(f)), stopAt);
  const frames = new Map<string, readonly string[]>();
  const perBranch = new Map<string, number>();
  const blockOf = new Map<string, string>();
  let topLevel = 0;
  for (const n of graph.order) {
    if (!needed.has(n.name)) continue;
    if (n.isInput || given.has(n.name)) {
      frames.set(n.name, []);
      continue;
    }
    let frame: readonly string[] = [];
    for (const d of n.deps) {
      const dn = graph.get(d);
      let inherited = frames.get(d) ?? [];
      if (dn?.isExpander) inherited = [...inherited, d];
      if (n.spec?.collect.has(d)) inherited = inherited.slice(0, -1);
      if (inherited.length > frame.length) frame = inherited;
    }
    frames.set(n.name, frame);
    const block = frame[frame.length - 1];
    if (block === undefined) topLevel++;
    else {
      blockOf.set(n.name, block);
      perBranch.set(block, (perBranch.get(block) ?? 0) + 1);
    }
  }
  return { topLevel, perBranch, blockOf };
}

/** The branch path of a task id: `counts[3]` → [3], `block-x[0,2]` → [0, 2], `total` → []. */
export function pathOfTask(taskId: string): number[] {
  const open = taskId.lastIndexOf("[");
  if (open < 0 || !taskId.endsWith("]")) return [];
  const inner = taskId.slice(open + 1, -1);
  if (inner === "") return [];
  const parts = inner.split(",").map(Number);
  return parts.every(Number.isInteger) ? parts : [];
}

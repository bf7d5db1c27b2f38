import type { Frame } from "../graph/frames.js";

/**
 * What a grouping strategy sees of each node it must place in a task.
 *
 * - `frame`: the parallel blocks the node runs inside (expander names, outermost
 *   first); `[]` is the top level. Nodes of one task must share a frame.
 * - `phase`: how many times the paths into this node cross from one frame to
 *   another. Grouping nodes of equal frame and phase never creates a cycle
 *   between tasks.
 * - `level`: the longest path from the run's inputs to this node.
 */
export interface GroupingNode {
  readonly name: string;
  /** Dependencies that are computed in this run (inputs and overrides excluded). */
  readonly deps: readonly string[];
  readonly frame: Frame;
  readonly phase: number;
  readonly level: number;
  readonly isExpander: boolean;
  readonly isCollect: boolean;
}

/**
 * Groups the nodes of a run into tasks (specification v1). Return groups of node
 * names; every node exactly once, one frame per group, and no cycle between
 * groups — the kernel checks and names the strategy if a rule is broken.
 */
export interface GroupingStrategy {
  readonly specificationVersion?: "v1";
  /** Set by strategies whose groups are acyclic by construction (same frame and phase); the kernel then skips its cycle check. */
  readonly acyclicByConstruction?: boolean;
  readonly name?: string;
  groupNodes(nodes: readonly GroupingNode[]): string[][];
}

function groupBy(nodes: readonly GroupingNode[], key: (n: GroupingNode) => string | undefined): string[][] {
  const groups = new Map<string, string[]>();
  const out: string[][] = [];
  for (const n of nodes) {
    const k = key(n);
    if (k === undefined) {
      out.push([n.name]);
      continue;
    }
    let g = groups.get(k);
    if (!g) {
      groups.set(k, (g = []));
      out.push(g);
    }
    g.push(n.name);
  }
  return out;
}

const frameKey = (n: GroupingNode) => `${n.frame.join("\u0000")}\u0001${n.phase}`;

/**
 * The default, as in Hamilton: each node outside parallel blocks is its own
 * task, and the nodes of a parallel block form one task per item (per segment
 * between nested blocks).
 */
export class GroupByRepeatableBlocks implements GroupingStrategy {
  readonly specificationVersion = "v1" as const;
  readonly name = "GroupByRepeatableBlocks";
  readonly acyclicByConstruction = true;
  groupNodes(nodes: readonly GroupingNode[]): string[][] {
    return groupBy(nodes, (n) => (n.frame.length === 0 ? undefined : frameKey(n)));
  }
}

/** Every node is its own task (one task per node per item inside blocks). */
export class GroupNodesIndividually implements GroupingStrategy {
  readonly specificationVersion = "v1" as const;
  readonly name = "GroupNodesIndividually";
  readonly acyclicByConstruction = true;
  groupNodes(nodes: readonly GroupingNode[]): string[][] {
    return nodes.map((n) => [n.name]);
  }
}

/**
 * As few tasks as possible: one task for a graph without parallel blocks; with
 * blocks, one per frame segment (the items of a block cannot share a task).
 */
export class GroupNodesAllAsOne implements GroupingStrategy {
  readonly specificationVersion = "v1" as const;
  readonly name = "GroupNodesAllAsOne";
  readonly acyclicByConstruction = true;
  groupNodes(nodes: readonly GroupingNode[]): string[][] {
    return groupBy(nodes, frameKey);
  }
}

/** Nodes at the same depth (longest path from the inputs) run together. */
export class GroupNodesByLevel implements GroupingStrategy {
  readonly specificationVersion = "v1" as const;
  readonly name = "GroupNodesByLevel";
  readonly acyclicByConstruction = true;
  groupNodes(nodes: readonly GroupingNode[]): string[][] {
    return groupBy(nodes, (n) => `${frameKey(n)}\u0001${n.level}`);
  }
}

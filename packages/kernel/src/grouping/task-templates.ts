// Task planning: a run's nodes grouped into tasks by a strategy, checked, and
// turned into task templates (what each task reads, waits on and returns),
// instantiated once per scope by the execution state.
import { GraphError } from "../errors.js";
import type { ExecutionPlan } from "../execution/plan.js";
import type { TaskPurpose } from "../executors/task-executor.js";
import type { Frame } from "../graph/frames.js";
import type { GraphNode } from "../graph/function-graph.js";
import type { TaskGroupInfo } from "../lifecycle/lifecycle-adapter.js";
import type { GroupingNode, GroupingStrategy } from "./grouping-strategy.js";

/** Where a task input comes from. */
export type TemplateInput =
  /**
   * A value stored in the scope at `depth` (0 = top level; an expander's item
   * lives one deeper than the expander); `index` is its node's (`GraphNode.index`).
   */
  | { readonly kind: "value"; readonly name: string; readonly depth: number; readonly index: number }
  /** The array of every branch's value of `name`, from the block of `expander` in the task's own scope. */
  | { readonly kind: "collect"; readonly name: string; readonly expander: string };

/**
 * A group of nodes that runs as one task, once per scope of its frame (once at
 * the top level, once per item inside a block).
 */
export interface TaskTemplate {
  readonly id: number;
  readonly name: string;
  readonly frame: Frame;
  readonly depth: number;
  /** The innermost block (expander name), undefined at the top level. */
  readonly block: string | undefined;
  readonly purpose: TaskPurpose;
  /** Sum of the nodes' timeouts when every node has one (see `Task.timeoutMs`). */
  readonly timeoutMs: number | undefined;
  readonly nodes: readonly GraphNode[];
  readonly nodeNames: readonly string[];
  readonly expanders: readonly string[];
  readonly inputs: readonly TemplateInput[];
  /** Templates of the same or an enclosing frame whose instance must finish first. */
  readonly waitOn: readonly TaskTemplate[];
  /** Templates of the same frame that wait on this one (the inverse of their `waitOn` within a frame). */
  readonly waitedOnBy: readonly TaskTemplate[];
  /** Blocks that must be fully done first: expander, and the child template whose values are collected. */
  readonly gates: readonly { readonly expander: string; readonly child: TaskTemplate | undefined }[];
  /** Values the task returns. */
  readonly outputs: readonly string[];
  /** Outputs other tasks read by name (kept in the scope). */
  readonly stored: readonly string[];
  /** The node index of each of `stored`. */
  readonly storedIndex: readonly number[];
  /** Outputs that a node of the enclosing frame collects. */
  readonly collected: readonly string[];
  /** Outputs that are final outputs of the run. */
  readonly finalOutputs: readonly string[];
  /** Position among the templates of its frame. */
  indexInFrame: number;
}

/** The templates of a plan, and how to find them. */
export interface TemplateSet {
  readonly templates: readonly TaskTemplate[];
  readonly byFrame: ReadonlyMap<Frame, readonly TaskTemplate[]>;
  readonly templateOf: ReadonlyMap<string, TaskTemplate>;
  /** Expanders whose items are collected directly (`collect("expander", …)`). */
  readonly itemsCollected: ReadonlySet<string>;
  /** The templates as `postTaskGrouping` describes them. */
  readonly info: readonly TaskGroupInfo[];
}

/** Describe each node for grouping: frame, phase and level. */
function groupingNodes(plan: ExecutionPlan): GroupingNode[] {
  const phase = new Map<string, number>();
  const level = new Map<string, number>();
  const out: GroupingNode[] = [];
  for (const n of plan.toCompute) {
    const frame = plan.frames.get(n.name)!;
    let p = 0;
    let l = 0;
    const deps: string[] = [];
    for (const d of n.deps) {
      if (plan.fixed.has(d)) continue;
      deps.push(d);
      p = Math.max(p, phase.get(d)! + (plan.frames.get(d) === frame ? 0 : 1));
      l = Math.max(l, level.get(d)! + 1);
    }
    phase.set(n.name, p);
    level.set(n.name, l);
    out.push({ name: n.name, deps, frame, phase: p, level: l, isExpander: n.isExpander, isCollect: n.isCollect });
  }
  return out;
}

/** Group a plan's nodes with a strategy, check the grouping, and derive each task template. */
export function buildTemplates(plan: ExecutionPlan, strategy: GroupingStrategy): TemplateSet {
  const gnodes = groupingNodes(plan);
  const who = strategy.name ?? strategy.constructor?.name ?? "the grouping strategy";
  const groups = strategy.groupNodes(gnodes);
  const frames = plan.frames;
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => {
    if (g.length === 0) throw new GraphError(`${who} returned an empty group.`);
    for (const name of g) {
      if (!frames.has(name) || plan.fixed.has(name)) throw new GraphError(`${who} placed "${name}", which this run does not compute.`);
      if (groupOf.has(name)) throw new GraphError(`${who} placed node "${name}" in two groups.`);
      groupOf.set(name, i);
      if (frames.get(name) !== frames.get(g[0]!)) {
        throw new GraphError(`${who} grouped "${g[0]}" and "${name}", which run in different parallel blocks; a task holds nodes of one block.`);
      }
    }
  });
  for (const n of plan.toCompute) if (!groupOf.has(n.name)) throw new GraphError(`${who} left node "${n.name}" out of every group.`);

  const graph = plan.graph;
  const finalSet = new Set(plan.finalVars);
  const collectedBy = new Set<string>(); // names some node collects
  const itemsCollected = new Set<string>();
  for (const n of plan.toCompute) {
    for (const d of n.spec!.collect) {
      collectedBy.add(d);
      if (graph.get(d)!.isExpander) itemsCollected.add(d);
    }
  }
  const indexOf = (name: string) => graph.get(name)!.index;
  const sorted = groups.map((g) => [...g].sort((a, b) => indexOf(a) - indexOf(b)));

  // names of templates: block-<expander> for a block's nodes grouped together, else the node's own name
  const frameSize = new Map<Frame, number>();
  for (const n of plan.toCompute) {
    const f = frames.get(n.name)!;
    frameSize.set(f, (frameSize.get(f) ?? 0) + 1);
  }
  const usedNames = new Map<string, number>();
  const templates: TaskTemplate[] = sorted.map((names, id) => {
    const frame = frames.get(names[0]!)!;
    const wholeFrame = frame.length > 0 && names.length === frameSize.get(frame);
    const base =
      frame.length > 0 && (names.length > 1 || wholeFrame)
        ? `block-${frame[frame.length - 1]}`
        : names.length === 1
          ? names[0]!
          : `group-${names[0]}`;
    const seen = usedNames.get(base) ?? 0;
    usedNames.set(base, seen + 1);
    const nodes = names.map((n) => graph.get(n)!);
    const expanders = names.filter((n) => graph.get(n)!.isExpander);
    return {
      id,
      name: seen === 0 ? base : `${base}#${seen + 1}`,
      frame,
      depth: frame.length,
      nodes,
      nodeNames: names,
      expanders: orNone(expanders),
      // filled in below, once every template exists
      inputs: NONE,
      waitOn: NONE,
      waitedOnBy: NONE,
      gates: NONE,
      outputs: NONE,
      stored: NONE,
      storedIndex: NONE,
      collected: NONE,
      finalOutputs: NONE,
      indexInFrame: 0,
      block: frame.length > 0 ? frame[frame.length - 1] : undefined,
      purpose: purposeOf(nodes, frame.length),
      timeoutMs: timeoutOf(nodes),
    };
  });
  const templateOf = new Map<string, TaskTemplate>();
  for (const t of templates) for (const n of t.nodeNames) templateOf.set(n, t);

  for (const t of templates) {
    // single-node templates (the common case) need no membership set
    const single = t.nodes.length === 1 ? t.nodeNames[0] : undefined;
    const inGroup = single === undefined ? new Set(t.nodeNames) : undefined;
    const has = (name: string) => (single !== undefined ? name === single : inGroup!.has(name));
    const inputs: TemplateInput[] = [];
    const seenInputs = single === undefined ? new Set<string>() : undefined;
    const waitOn: TaskTemplate[] = [];
    const gates: Array<{ expander: string; child: TaskTemplate | undefined }> = [];
    for (const n of t.nodes) {
      for (const d of n.deps) {
        if (has(d)) continue;
        if (seenInputs) {
          if (seenInputs.has(d)) continue;
          seenInputs.add(d);
        }
        const dn = graph.get(d)!;
        if (n.spec!.collect.has(d)) {
          const expander = dn.isExpander ? d : frames.get(d)![frames.get(d)!.length - 1]!;
          inputs.push({ kind: "collect", name: d, expander });
          const child = dn.isExpander ? undefined : templateOf.get(d)!;
          if (!gates.some((g) => g.expander === expander && g.child === child)) gates.push({ expander, child });
        } else if (dn.isExpander) {
          inputs.push({ kind: "value", name: d, depth: frames.get(d)!.length + 1, index: dn.index });
        } else if (plan.fixed.has(d)) {
          inputs.push({ kind: "value", name: d, depth: 0, index: dn.index });
        } else {
          const u = templateOf.get(d)!;
          inputs.push({ kind: "value", name: d, depth: u.depth, index: dn.index });
          if (!waitOn.includes(u)) waitOn.push(u);
        }
      }
    }
    const outputs: string[] = [];
    const stored: string[] = [];
    const storedIndex: number[] = [];
    const collected: string[] = [];
    const finals: string[] = [];
    for (const n of t.nodes) {
      let external = false;
      let storedHere = false;
      for (const c of n.dependents) {
        if (has(c) || !templateOf.has(c)) continue;
        external = true;
        if (!n.isExpander && !graph.get(c)!.spec!.collect.has(n.name)) storedHere = true;
      }
      const isFinal = finalSet.has(n.name);
      if (external || isFinal || n.isExpander) outputs.push(n.name);
      if (storedHere) {
        stored.push(n.name);
        storedIndex.push(n.index);
      }
      if (!n.isExpander && collectedBy.has(n.name)) collected.push(n.name);
      if (isFinal) finals.push(n.name);
    }
    const m = t as { -readonly [K in keyof TaskTemplate]: TaskTemplate[K] };
    m.inputs = orNone(inputs);
    m.waitOn = orNone(waitOn);
    m.gates = orNone(gates);
    m.outputs = orNone(outputs);
    m.stored = orNone(stored);
    m.storedIndex = storedIndex.length === 0 ? NONE : storedIndex;
    m.collected = orNone(collected);
    m.finalOutputs = orNone(finals);
  }
  if (!strategy.acyclicByConstruction) checkAcyclic(templates, templateOf, who);
  for (const t of templates) {
    for (const u of t.waitOn) {
      if (u.depth !== t.depth) continue;
      const m = u as { waitedOnBy: readonly TaskTemplate[] };
      if (m.waitedOnBy === NONE) m.waitedOnBy = [t];
      else (m.waitedOnBy as TaskTemplate[]).push(t);
    }
  }

  const byFrame = new Map<Frame, TaskTemplate[]>();
  for (const t of templates) {
    let list = byFrame.get(t.frame);
    if (!list) byFrame.set(t.frame, (list = []));
    t.indexInFrame = list.length;
    list.push(t);
  }
  let info: readonly TaskGroupInfo[] | undefined;
  return {
    templates,
    byFrame,
    templateOf,
    itemsCollected,
    // made when a postTaskGrouping hook first asks: one object per template otherwise kept for nothing
    get info() {
      return (info ??= templates.map((t) => ({ name: t.name, nodes: t.nodeNames, frame: t.frame, block: t.block, purpose: t.purpose })));
    },
  };
}

// a plan of many nodes has many templates, kept as long as the plan: empty lists share one, and
// the others are copied to their size (an array grown by push holds room for 17 items)
const NONE: readonly never[] = Object.freeze([]);
const orNone = <T>(list: readonly T[]): readonly T[] => (list.length > 0 ? list.slice() : NONE);

function purposeOf(nodes: readonly GraphNode[], depth: number): TaskPurpose {
  if (nodes.some((n) => n.isExpander)) return "expander";
  if (nodes.some((n) => n.isCollect)) return "collector";
  return depth > 0 ? "branch" : "plain";
}

function timeoutOf(nodes: readonly GraphNode[]): number | undefined {
  let total = 0;
  for (const n of nodes) {
    const t = n.spec?.timeoutMs;
    if (t === undefined) return undefined;
    total += t;
  }
  return total;
}

function checkAcyclic(templates: readonly TaskTemplate[], templateOf: ReadonlyMap<string, TaskTemplate>, who: string): void {
  const indegree = new Map<TaskTemplate, number>();
  const down = new Map<TaskTemplate, TaskTemplate[]>();
  const edge = (from: TaskTemplate, to: TaskTemplate) => {
    if (from === to) return;
    let l = down.get(from);
    if (!l) down.set(from, (l = []));
    l.push(to);
    indegree.set(to, (indegree.get(to) ?? 0) + 1);
  };
  for (const t of templates) {
    for (const u of t.waitOn) edge(u, t);
    for (const g of t.gates) if (g.child) edge(g.child, t);
    // an expander's template precedes every template of its block
    const e = t.frame[t.frame.length - 1];
    const et = e === undefined ? undefined : templateOf.get(e);
    if (et) edge(et, t);
  }
  const queue = templates.filter((t) => !indegree.get(t));
  let seen = 0;
  for (let i = 0; i < queue.length; i++) {
    seen++;
    for (const m of down.get(queue[i]!) ?? []) {
      const left = indegree.get(m)! - 1;
      indegree.set(m, left);
      if (left === 0) queue.push(m);
    }
  }
  if (seen < templates.length) {
    const stuck = templates.filter((t) => (indegree.get(t) ?? 0) > 0).map((t) => t.name);
    throw new GraphError(`${who} made groups that depend on each other in a cycle: ${stuck.join(", ")}. Group fewer nodes together.`);
  }
}

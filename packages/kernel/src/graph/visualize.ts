import type { Frame } from "./frames.js";
import type { FunctionGraph, GraphNode } from "./function-graph.js";

/** How to draw a graph: which nodes, and which roles to mark. */
export interface DotOptions {
  /** Only these nodes (default: all). */
  readonly nodes?: ReadonlySet<string>;
  readonly finalVars?: ReadonlySet<string>;
  readonly overrides?: ReadonlySet<string>;
  /** Inputs given for this run (drawn solid dashed); others are drawn as missing-but-optional. */
  readonly providedInputs?: ReadonlySet<string>;
  readonly frames?: ReadonlyMap<string, Frame>;
  readonly title?: string;
  /** Per node, how many of its runs (one per branch in a block) were cache hits: drawn blue, labelled. */
  readonly cacheHits?: ReadonlyMap<string, { readonly hits: number; readonly of: number }>;
}

const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

function nodeAttrs(n: GraphNode, o: DotOptions): string {
  const attrs: string[] = [];
  const label: string[] = [n.name];
  const styles: string[] = [];
  if (n.isInput) {
    label.push("input");
    styles.push("dashed");
    attrs.push("shape=rectangle");
    if (o.providedInputs && !o.providedInputs.has(n.name)) label.push("(default)");
  } else {
    attrs.push("shape=rectangle");
    styles.push("rounded");
    if (n.isExpander) {
      label.push("parallelizable");
      attrs.push("shape=parallelogram");
    }
    if (n.isCollect) label.push(`collect(${[...n.spec!.collect].join(", ")})`);
  }
  const cached = o.cacheHits?.get(n.name);
  if (cached && cached.hits > 0) label.push(cached.hits === cached.of ? "cache hit" : `cache hit ${cached.hits}/${cached.of}`);
  if (o.overrides?.has(n.name)) {
    label.push("override");
    styles.push("filled");
    attrs.push('fillcolor="#fff3b0"');
  } else if (cached && cached.hits > 0) {
    styles.push("filled");
    if (o.finalVars?.has(n.name)) styles.push("bold");
    attrs.push(cached.hits === cached.of ? 'fillcolor="#bfdcff"' : 'fillcolor="#e3f0ff"');
  } else if (o.finalVars?.has(n.name)) {
    styles.push("filled", "bold");
    attrs.push('fillcolor="#c8f7c5"');
  }
  attrs.push(`style=${q(styles.join(","))}`);
  attrs.push(`label=${q(label.join("\n"))}`);
  return attrs.join(", ");
}

/**
 * Render a graph as Graphviz DOT. Inputs are dashed, parallelizable nodes are
 * parallelograms, parallel blocks are dashed clusters, collect edges are bold
 * with a crow's foot, overrides are yellow and requested outputs green.
 */
export function toDot(graph: FunctionGraph, options: DotOptions = {}): string {
  const include = (n: GraphNode) => !options.nodes || options.nodes.has(n.name);
  const lines: string[] = [
    `digraph ${q(options.title ?? "hamilton")} {`,
    "  graph [rankdir=LR, fontname=Helvetica];",
    "  node [fontname=Helvetica, fontsize=11];",
    "  edge [color=\"#555555\"];",
  ];
  // group nodes into nested clusters by frame
  const clusters = new Map<string, { frame: Frame; members: GraphNode[] }>();
  const top: GraphNode[] = [];
  for (const n of graph.order) {
    if (!include(n)) continue;
    const frame = options.frames?.get(n.name) ?? [];
    if (frame.length === 0) top.push(n);
    else {
      const key = frame.join("/");
      let c = clusters.get(key);
      if (!c) clusters.set(key, (c = { frame, members: [] }));
      c.members.push(n);
    }
  }
  for (const n of top) lines.push(`  ${q(n.name)} [${nodeAttrs(n, options)}];`);
  const keys = [...clusters.keys()].sort();
  const open: string[] = [];
  for (const key of keys) {
    while (open.length > 0 && !key.startsWith(open[open.length - 1]! + "/")) {
      open.pop();
      lines.push(`${"  ".repeat(open.length + 1)}}`);
    }
    const c = clusters.get(key)!;
    const indent = "  ".repeat(open.length + 1);
    lines.push(`${indent}subgraph ${q("cluster_" + key)} {`);
    lines.push(`${indent}  label=${q(`parallel block: ${c.frame[c.frame.length - 1]}`)}; style=dashed; color="#3b82f6";`);
    for (const n of c.members) lines.push(`${indent}  ${q(n.name)} [${nodeAttrs(n, options)}];`);
    open.push(key);
  }
  while (open.length > 0) {
    open.pop();
    lines.push(`${"  ".repeat(open.length + 1)}}`);
  }
  for (const n of graph.order) {
    if (!include(n) || (options.overrides?.has(n.name) ?? false)) continue;
    for (const d of n.deps) {
      if (!graph.get(d) || !include(graph.get(d)!)) continue;
      const collected = n.spec?.collect.has(d) ?? false;
      const fromExpander = graph.get(d)!.isExpander && !collected;
      const attrs = collected ? ' [style=bold, arrowhead=crow, label="collect"]' : fromExpander ? ' [arrowhead=crow, label="each"]' : "";
      lines.push(`  ${q(d)} -> ${q(n.name)}${attrs};`);
    }
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

import { GraphError } from "../errors.js";
import type { NodeSpec } from "../node/from-modules.js";

/** A node of the graph: a function node, or an input that no function produces. */
export interface GraphNode {
  readonly name: string;
  /** Position in `FunctionGraph.order` (a topological order). */
  readonly index: number;
  /** The function node's spec; undefined for inputs. */
  readonly spec: NodeSpec | undefined;
  readonly deps: readonly string[];
  /** `index` of each dependency, in `deps` order (spares a name lookup per edge when running). */
  readonly depIndex: readonly number[];
  readonly dependents: readonly string[];
  readonly isInput: boolean;
  /** For inputs: every consumer has a default value for it. */
  readonly isOptionalInput: boolean;
  readonly isExpander: boolean;
  readonly isCollect: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly module: string | undefined;
}

const EMPTY: readonly never[] = Object.freeze([]);
const NO_TAGS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The static graph: nodes and edges, in a topological order. Built once per
 * Driver; every query here is iterative, so graph depth is unlimited.
 */
export class FunctionGraph {
  readonly nodes: ReadonlyMap<string, GraphNode>;
  /** Every node, in topological order (dependencies first). */
  readonly order: readonly GraphNode[];

  constructor(specs: readonly NodeSpec[]) {
    // positions: function nodes by spec, then inputs (names used but not defined)
    const indexOf = new Map<string, number>();
    const names = specs.map((s, i) => (indexOf.set(s.name, i), s.name));
    const inputOptional: boolean[] = [];
    const dependents: number[][] = [];
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i]!;
      for (const d of s.deps) {
        let j = indexOf.get(d);
        if (j === undefined) {
          indexOf.set(d, (j = names.push(d) - 1));
          inputOptional[j] = true;
        }
        if (j >= specs.length) inputOptional[j] = inputOptional[j]! && s.optionalDeps.has(d);
        // a literal, not push on []: that would make room for 17
        if (dependents[j]) dependents[j]!.push(i);
        else dependents[j] = [i];
      }
    }
    const order = topologicalOrder(specs, names.length, dependents);
    const rank = new Int32Array(order.length);
    order.forEach((i, index) => (rank[i] = index));
    const toRank = (d: string) => rank[indexOf.get(d)!]!;
    const toName = (j: number) => names[j]!;
    const nodes = new Map<string, GraphNode>();
    this.order = order.map((i, index) => {
      const name = names[i]!;
      const spec = i < specs.length ? specs[i] : undefined;
      const n: GraphNode = {
        name,
        index,
        spec,
        deps: spec ? spec.deps : EMPTY,
        depIndex: spec ? spec.deps.map(toRank) : EMPTY,
        dependents: dependents[i]?.map(toName) ?? EMPTY,
        isInput: !spec,
        isOptionalInput: !spec && inputOptional[i] === true,
        isExpander: spec ? spec.parallelizable : false,
        isCollect: spec ? spec.collect.size > 0 : false,
        tags: spec ? spec.tags : NO_TAGS,
        module: spec?.module,
      };
      nodes.set(name, n);
      return n;
    });
    this.nodes = nodes;
  }

  get(name: string): GraphNode | undefined {
    return this.nodes.get(name);
  }

  /** Names of every node upstream of `names` (inclusive), stopping at `stopAt`. */
  upstreamOf(names: Iterable<string>, stopAt?: ReadonlySet<string>): Set<string> {
    const seen = new Set<string>();
    const stack: string[] = [];
    for (const n of names) if (this.nodes.has(n) && !seen.has(n)) (seen.add(n), stack.push(n));
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (stopAt?.has(n)) continue;
      for (const d of this.nodes.get(n)!.deps) if (!seen.has(d)) (seen.add(d), stack.push(d));
    }
    return seen;
  }

  /** Names of every node downstream of `names` (inclusive). */
  downstreamOf(names: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const stack: string[] = [];
    for (const n of names) if (this.nodes.has(n) && !seen.has(n)) (seen.add(n), stack.push(n));
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const d of this.nodes.get(n)!.dependents) if (!seen.has(d)) (seen.add(d), stack.push(d));
    }
    return seen;
  }

  /**
   * A stable fingerprint of the graph: names, edges, kinds and the chosen
   * `configWhen` variants. Workers compare it with the driver's to refuse tasks
   * from a different graph. Node bodies are not included (loaders such as vite or
   * tsx rewrite source text differently), so deploy one version everywhere.
   */
  fingerprint(): string {
    return (this.cachedFingerprint ??= this.computeFingerprint());
  }
  private cachedFingerprint: string | undefined;

  private computeFingerprint(): string {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    const feed = (text: string) => {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
        h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
      }
    };
    const names = [...this.nodes.keys()].sort();
    for (const name of names) {
      const n = this.nodes.get(name)!;
      feed(`${name}|${n.isInput ? "i" : ""}${n.isExpander ? "p" : ""}|${n.deps.join(",")}|${[...(n.spec?.collect ?? [])].join(",")}|`);
      // the chosen configWhen variant; not the source text, which loaders (vite, tsx) rewrite differently
      if (n.spec) feed(`${n.spec.exportKey};`);
    }
    return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
  }
}

/** Kahn's algorithm over positions: inputs first, then function nodes as they become ready. */
function topologicalOrder(specs: readonly NodeSpec[], total: number, dependents: readonly (number[] | undefined)[]): number[] {
  const indegree = new Int32Array(specs.length);
  for (let i = 0; i < specs.length; i++) indegree[i] = specs[i]!.deps.length;
  const order: number[] = [];
  for (let j = specs.length; j < total; j++) order.push(j);
  for (let i = 0; i < specs.length; i++) if (indegree[i] === 0) order.push(i);
  for (let head = 0; head < order.length; head++) {
    const down = dependents[order[head]!];
    if (!down) continue;
    for (let k = 0; k < down.length; k++) {
      const mi = down[k]!;
      if (--indegree[mi] === 0) order.push(mi);
    }
  }
  if (order.length < total) {
    const stuck = specs.filter((_, i) => indegree[i]! > 0);
    const cycle = findCycle(stuck, new Map(specs.map((s) => [s.name, s])));
    throw new GraphError(
      `The graph has a cycle: ${cycle.join(" -> ")}. A node cannot depend, directly or indirectly, on itself.`,
    );
  }
  return order;
}

/**
 * Find one cycle among nodes that Kahn's algorithm could not order: each of
 * them has a dependency among them, so following the first one from any of
 * them must come back to a node already passed.
 */
function findCycle(stuck: readonly NodeSpec[], specByName: ReadonlyMap<string, NodeSpec>): string[] {
  const stuckNames = new Set(stuck.map((s) => s.name));
  const at = new Map<string, number>();
  let name = stuck[0]!.name;
  while (!at.has(name)) {
    at.set(name, at.size);
    name = specByName.get(name)!.deps.find((d) => stuckNames.has(d))!;
  }
  // the path holds dependents first; report in dependency direction
  const cycle = [...at.keys()].slice(at.get(name)).reverse();
  return [...cycle, cycle[0]!];
}

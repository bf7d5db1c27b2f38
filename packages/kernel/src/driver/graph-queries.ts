// The Driver's questions about its graph (Hamilton's `list_available_variables`,
// `what_is_upstream_of`, …): answered from the graph alone, in its order.
import { InputValidationError } from "../errors.js";
import type { FunctionGraph, GraphNode } from "../graph/function-graph.js";

/** One entry of `listAvailableVariables()`. */
export interface Variable {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly isInput: boolean;
  /** For inputs: every consumer has a default. */
  readonly isOptional: boolean;
  readonly isParallelizable: boolean;
  readonly isCollect: boolean;
  readonly dependencies: readonly string[];
  /** The module that defines the node (undefined for inputs). */
  readonly module: string | undefined;
}

function variable(n: GraphNode): Variable {
  return {
    name: n.name,
    tags: n.tags,
    isInput: n.isInput,
    isOptional: n.isOptionalInput,
    isParallelizable: n.isExpander,
    isCollect: n.isCollect,
    dependencies: n.deps,
    module: n.module,
  };
}

/** The graph's nodes and inputs in its order; with `keep`, only those it accepts. */
export function variablesOf(graph: FunctionGraph, keep?: (name: string) => boolean): Variable[] {
  const out: Variable[] = [];
  for (const n of graph.order) if (!keep || keep(n.name)) out.push(variable(n));
  return out;
}

/** @throws InputValidationError naming every name that is no node or input of the graph. */
export function checkKnown(graph: FunctionGraph, names: readonly string[]): void {
  const unknown = names.filter((n) => !graph.get(n));
  if (unknown.length > 0) throw new InputValidationError(`Unknown node${unknown.length > 1 ? "s" : ""}: ${unknown.map((u) => `"${u}"`).join(", ")}.`, { unknownOutputs: unknown });
}

/** Every node on a path from `from` to `to` (both included); empty when there is none. */
export function pathBetween(graph: FunctionGraph, from: string, to: string): Variable[] {
  checkKnown(graph, [from, to]);
  const down = graph.downstreamOf([from]);
  if (!down.has(to)) return [];
  const up = graph.upstreamOf([to]);
  return variablesOf(graph, (n) => down.has(n) && up.has(n));
}

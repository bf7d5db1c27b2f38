import { GraphError, InputValidationError } from "../errors.js";
import { computeFrames, type Frame } from "../graph/frames.js";
import type { FunctionGraph, GraphNode } from "../graph/function-graph.js";
import { didYouMean } from "../graph/suggest.js";
import { missingInputNote } from "../node/from-modules.js";

/**
 * What one `execute` needs: the nodes to compute in dependency order, the fixed
 * values (inputs and overrides) it reads, and each node's frame. Plans depend
 * only on names, so a Driver caches them per request shape.
 */
export interface ExecutionPlan {
  readonly graph: FunctionGraph;
  readonly finalVars: readonly string[];
  /** Function nodes to compute, in topological order. */
  readonly toCompute: readonly GraphNode[];
  /** Names whose values come from inputs, config or overrides (no computation). */
  readonly fixed: ReadonlySet<string>;
  /** Optional inputs not given: their parameters fall back to their defaults. */
  readonly defaulted: ReadonlySet<string>;
  readonly frames: ReadonlyMap<string, Frame>;
  /** How many computed nodes consume each node (for releasing values early). */
  readonly consumerCount: ReadonlyMap<string, number>;
  /** Whether the plan contains a parallel block (needs dynamic execution). */
  readonly hasParallelism: boolean;
}

/** The request, by name only: which inputs, config keys and overrides exist. */
export interface PlanRequest {
  readonly finalVars: readonly string[];
  readonly inputKeys: ReadonlySet<string>;
  readonly configKeys: ReadonlySet<string>;
  readonly overrideKeys: ReadonlySet<string>;
}

/**
 * Validate a request and plan it. Every unknown output and every missing input is
 * reported at once, in one InputValidationError, before any node runs.
 */
export function planExecution(graph: FunctionGraph, req: PlanRequest): ExecutionPlan {
  const finalVars = [...new Set(req.finalVars)];
  const fixedSet = new Set<string>();
  const unknownOutputs: string[] = [];
  for (const name of finalVars) {
    if (!graph.get(name) && !req.inputKeys.has(name)) unknownOutputs.push(name);
  }
  const unknownOverrides = [...req.overrideKeys].filter((name) => !graph.get(name));
  // inputs and overrides that name function nodes replace them; config only feeds inputs
  const isFixed = (n: GraphNode) =>
    req.overrideKeys.has(n.name) || (n.spec !== undefined && req.inputKeys.has(n.name)) || n.isInput;
  const stop = new Set<string>();
  for (const n of graph.nodes.values()) if (isFixed(n)) stop.add(n.name);
  const needed = graph.upstreamOf(finalVars.filter((f) => graph.get(f)), stop);

  const missing: string[] = [];
  const missingText: string[] = [];
  const defaulted = new Set<string>();
  // names the caller gave that the graph does not use: likely misspellings of a missing input
  let spare: string[] | undefined;
  const spareNames = () => (spare ??= [...req.inputKeys, ...req.configKeys].filter((k) => !graph.get(k)));
  // in graph order, so messages list inputs as the pipeline reads
  for (const n of graph.order) {
    const name = n.name;
    if (!needed.has(name) || !isFixed(n)) continue;
    fixedSet.add(name);
    if (n.isInput && !req.inputKeys.has(name) && !req.configKeys.has(name) && !req.overrideKeys.has(name)) {
      const requiredBy = n.dependents.filter((d) => needed.has(d) && !stop.has(d) && !graph.get(d)!.spec!.optionalDeps.has(name));
      if (requiredBy.length > 0 || finalVars.includes(name)) {
        missing.push(name);
        // a minifier or compiler may have renamed the parameter: say so next to the name
        const note = requiredBy.map((d) => missingInputNote(graph.get(d)!.spec!, name)).find(Boolean);
        missingText.push(
          `"${name}" (needed by ${requiredBy.length > 0 ? requiredBy.map((d) => `"${d}"`).join(", ") : "the requested outputs"}${suffix(didYouMean(name, spareNames()), "; ")}${note ? `; ${note}` : ""})`,
        );
      } else {
        defaulted.add(name);
      }
    }
  }
  if (unknownOutputs.length > 0 || missing.length > 0 || unknownOverrides.length > 0) {
    const known = () => [...graph.nodes.keys(), ...req.inputKeys];
    const parts: string[] = [];
    if (unknownOutputs.length > 0) {
      const each = unknownOutputs.map((o) => `"${o}"${suffix(didYouMean(o, known()), " (", ")")}`);
      parts.push(`unknown output${unknownOutputs.length > 1 ? "s" : ""} ${each.join(", ")} (no node or input has that name)`);
    }
    if (unknownOverrides.length > 0) {
      const each = unknownOverrides.map((o) => `"${o}"${suffix(didYouMean(o, graph.nodes.keys()), " (", ")")}`);
      parts.push(`override${unknownOverrides.length > 1 ? "s" : ""} ${each.join(", ")} name${unknownOverrides.length > 1 ? "" : "s"} no node of the graph`);
    }
    if (missing.length > 0) parts.push(`missing input${missing.length > 1 ? "s" : ""} ${missingText.join(", ")}`);
    // with a hint, the error appends it (": <hint>.") so front ends can swap it for their own
    throw new InputValidationError(`Cannot execute: ${parts.join("; ")}${missing.length > 0 ? "" : "."}`, {
      unknownOutputs,
      missingInputs: missing,
      ...(missing.length > 0 ? { hint: `pass ${missing.length > 1 ? "them" : "it"} in execute(..., { inputs }) or in the config` } : {}),
    });
  }

  const toCompute: GraphNode[] = [];
  for (const n of graph.order) if (needed.has(n.name) && !fixedSet.has(n.name)) toCompute.push(n);
  const frames = computeFrames(graph, (n) => needed.has(n.name), (n) => fixedSet.has(n.name));
  let hasParallelism = false;
  const consumerCount = new Map<string, number>();
  for (const n of toCompute) {
    if (n.isExpander || n.isCollect) hasParallelism = true;
    for (const d of n.deps) consumerCount.set(d, (consumerCount.get(d) ?? 0) + 1);
  }
  for (const f of finalVars) {
    const frame = frames.get(f);
    if (frame && frame.length > 0) {
      throw new InputValidationError(
        `Cannot return "${f}": it runs once per item inside parallelizable "${frame[frame.length - 1]}". ` +
          `Request a node that collects it instead.`,
        { unknownOutputs: [f] },
      );
    }
  }
  for (const name of fixedSet) if (graph.get(name)!.isExpander && consumerCount.has(name)) hasParallelism = true;
  return { graph, finalVars, toCompute, fixed: fixedSet, defaulted, frames, consumerCount, hasParallelism };
}

function suffix(text: string | undefined, before: string, after = ""): string {
  return text === undefined ? "" : `${before}${text}${after}`;
}

/** Check that a graph's parallel blocks are well formed, for every node (at build time). */
export function validateBlocks(graph: FunctionGraph): ReadonlyMap<string, Frame> {
  return computeFrames(graph, () => true, () => false);
}

/** Raised when a plan with parallel blocks runs without dynamic execution. */
export function needsDynamicError(plan: ExecutionPlan): GraphError {
  const names = plan.toCompute.filter((n) => n.isExpander || n.isCollect).map((n) => `"${n.name}"`);
  return new GraphError(
    `Nodes ${names.join(", ")} use parallelizable/collect, which needs dynamic execution: ` +
      `build the driver with new Builder().enableDynamicExecution({ allowExperimentalMode: true }).`,
  );
}

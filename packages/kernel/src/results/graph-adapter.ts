import { DictResult, ResultMixin, type DictResultBrand, type ResultBuilder } from "./result-mixin.js";

/** What an adapter sees of a node when asked to execute it. */
export interface NodeCall {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Run the node's own function with these keyword arguments. */
  readonly callable: (kwargs: Record<string, unknown>) => unknown;
}

/**
 * The graph adapter contract (specification v1), as in Hamilton: checks input
 * types, executes nodes and builds the result. `executeNode` applies to nodes run
 * in the calling thread; workers run node functions directly.
 */
export abstract class HamiltonGraphAdapter extends ResultMixin {
  /** Whether `value` is acceptable for an input. Types are TypeScript-only, so `type` is the input's name. */
  abstract checkInputType(type: string, value: unknown): boolean;
  /** Whether two nodes' types are compatible (for graphs that declare types in tags). */
  abstract checkNodeTypeEquivalence(a: unknown, b: unknown): boolean;
  /** Execute one node. */
  abstract executeNode(node: NodeCall, kwargs: Record<string, unknown>): unknown;
}

/**
 * The plain adapter: accepts every input, calls nodes directly, and builds the
 * result with the given result builder.
 */
export class SimpleGraphAdapter extends HamiltonGraphAdapter {
  readonly resultBuilder: ResultBuilder;
  constructor(resultBuilder: ResultBuilder = new DictResult()) {
    super();
    this.resultBuilder = resultBuilder;
  }
  checkInputType(_type: string, _value: unknown): boolean {
    return true;
  }
  checkNodeTypeEquivalence(a: unknown, b: unknown): boolean {
    return a === b;
  }
  executeNode(node: NodeCall, kwargs: Record<string, unknown>): unknown {
    return node.callable(kwargs);
  }
  override buildResult(outputs: Record<string, unknown>): unknown {
    return this.resultBuilder.buildResult(outputs);
  }
}

/** `SimpleGraphAdapter` with `DictResult`: the kernel's default. */
// type-only: execute() of a driver with this adapter is typed by its nodes
export interface DefaultAdapter extends DictResultBrand {}
export class DefaultAdapter extends SimpleGraphAdapter {
  constructor() {
    super(new DictResult());
  }
}

/** Whether a value implements the graph adapter contract. */
export function isGraphAdapter(value: unknown): value is HamiltonGraphAdapter {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as HamiltonGraphAdapter).executeNode === "function" &&
    typeof (value as HamiltonGraphAdapter).checkInputType === "function"
  );
}

/**
 * Whether an adapter runs nodes exactly as the kernel would (its `executeNode`
 * is SimpleGraphAdapter's): the kernel then calls node functions directly, so
 * `DefaultAdapter` costs nothing per node.
 */
export function executesNodesPlainly(adapter: HamiltonGraphAdapter): boolean {
  return adapter.executeNode === SimpleGraphAdapter.prototype.executeNode;
}

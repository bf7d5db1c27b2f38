// The Task an executor receives from a dynamic run: plain data for remote
// workers, `run()` for this thread. A retried task is a new DynamicTask of the
// same instance with `attempt + 1`.
import type { ValidationResult } from "../errors.js";
import type { CacheTaskPlan } from "../cache/run-cache.js";
import type { ExecutorContext, NodeEvent, Task, TaskExecutor, TaskItems, TaskPurpose } from "../executors/task-executor.js";
import type { GraphNode } from "../graph/function-graph.js";
import type { LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import type { HamiltonGraphAdapter } from "../results/graph-adapter.js";
import type { TaskTemplate } from "../grouping/task-templates.js";
import { ItemBatch, type Instance } from "./execution-state.js";
import { runItems } from "./item-batch.js";
import { invokeNode, isThenable, type InvokeContext } from "./invoke.js";
import { runNodesInline } from "./run-task.js";

const columns = new WeakMap<TaskTemplate, readonly string[] | undefined>();

/** A template's input names as one shared array; undefined if two inputs share a name (then the inputs object decides). */
function columnsOf(t: TaskTemplate): readonly string[] | undefined {
  if (columns.has(t)) return columns.get(t);
  const names = t.inputs.map((i) => i.name);
  const list = new Set(names).size === names.length ? Object.freeze(names) : undefined;
  columns.set(t, list);
  return list;
}

/** What a task needs of its run. */
export interface TaskOwner {
  readonly runId: string;
  readonly context: ExecutorContext;
  readonly hooks: LifecycleHooks;
  readonly adapter: HamiltonGraphAdapter | undefined;
  readonly signal: AbortSignal;
  /** Validation results of nodes run in this thread. */
  readonly onValidation: (nodeName: string, results: readonly ValidationResult[]) => void;
  /** A node event a remote executor reported for this task. */
  nodeEvent(task: DynamicTask, event: NodeEvent): void;
  /** The inputs of a ready instance, by name. */
  inputsOf(inst: Instance): Record<string, unknown>;
  /** The same values as the arguments of a one-node instance's node, in dependency order. */
  argsOf(inst: Instance): unknown[];
}

/**
 * What a task runs when the cache answered some of its nodes: the nodes that
 * are not hits, returning its outputs that are not hits plus what the cache
 * must record (its inputs already hold the hits).
 */
export interface TaskCut {
  readonly plan: CacheTaskPlan;
  readonly nodes: readonly GraphNode[];
  readonly names: readonly string[];
  readonly outputs: readonly string[];
}

/**
 * One attempt of one task instance. It is also the context its nodes run in
 * (`InvokeContext`), which spares an object per task.
 */
export class DynamicTask implements Task, InvokeContext {
  /** The executor chosen for the first attempt; retries go to the same one. */
  executor: TaskExecutor | undefined;
  constructor(
    private readonly owner: TaskOwner,
    readonly inst: Instance,
    /** Given by the cache (with its hits) or a retry; else made when first asked (a task run in this thread needs none). */
    private given: Readonly<Record<string, unknown>> | undefined,
    readonly attempt: number,
    /** Set when the run has a cache. */
    readonly cut?: TaskCut,
  ) {}
  /**
   * For pools (`InputColumns`): the input names every task of the template
   * shares, when this task's inputs are its template's (no cache hits, no
   * inputs given); `inputValues()` gives the values in that order.
   */
  get inputNames(): readonly string[] | undefined {
    return this.given === undefined && this.cut === undefined ? columnsOf(this.inst.template) : undefined;
  }
  inputValues(): unknown[] {
    return this.owner.argsOf(this.inst);
  }
  get inputs(): Readonly<Record<string, unknown>> {
    return (this.given ??= this.owner.inputsOf(this.inst));
  }
  get taskId(): string {
    return this.inst.taskId;
  }
  get runId(): string {
    return this.owner.runId;
  }
  get context(): ExecutorContext {
    return this.owner.context;
  }
  get block(): string | undefined {
    return this.inst.template.block;
  }
  get purpose(): TaskPurpose {
    return this.inst.template.purpose;
  }
  get timeoutMs(): number | undefined {
    return this.inst.template.timeoutMs;
  }
  get nodes(): readonly string[] {
    return this.cut?.names ?? this.inst.template.nodeNames;
  }
  get outputs(): readonly string[] {
    return this.cut?.outputs ?? this.inst.template.outputs;
  }
  get expanders(): readonly string[] {
    return this.inst.template.expanders;
  }
  get path(): readonly number[] {
    return this.inst.path;
  }
  get isBlock(): boolean {
    return this.inst.template.depth > 0;
  }
  get items(): TaskItems | undefined {
    const inst = this.inst;
    return inst instanceof ItemBatch ? inst.taskItems : undefined;
  }
  get signal(): AbortSignal {
    return this.owner.signal;
  }
  get hooks(): LifecycleHooks {
    return this.owner.hooks;
  }
  get adapter(): HamiltonGraphAdapter | undefined {
    return this.owner.adapter;
  }
  get onValidation(): (nodeName: string, results: readonly ValidationResult[]) => void {
    return this.owner.onValidation;
  }
  run(): Promise<Record<string, unknown>> {
    try {
      const items = this.items;
      if (items) return Promise.resolve(runItems(this.inst.template.nodes, this.inputs, this.outputs, items.input, this, items.count));
      return Promise.resolve(runNodesInline(this.cut?.nodes ?? this.inst.template.nodes, this.inputs, this.outputs, this));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  /**
   * `run()` without a promise while every node is synchronous: an in-thread
   * executor's fast way, called right after it saw `signal` not aborted.
   */
  runInline(): Record<string, unknown> | Promise<Record<string, unknown>> {
    const nodes = this.inst.template.nodes;
    const inst = this.inst;
    if (inst instanceof ItemBatch) return runItems(nodes, this.inputs, this.outputs, inst.taskItems.input, this, inst.items.length);
    if (this.given === undefined && nodes.length === 1) {
      // one node (the default grouping) whose inputs nobody asked for: its arguments come straight from the scopes
      const node = nodes[0]!;
      const out = invokeNode(node, this.owner.argsOf(this.inst), this);
      return isThenable(out) ? Promise.resolve(out).then((v) => this.resultOf(v)) : this.resultOf(out);
    }
    return runNodesInline(this.cut?.nodes ?? nodes, this.inputs, this.outputs, this, true);
  }
  /** The outputs of a one-node task: its node's value (a template's outputs are its own nodes). */
  private resultOf(value: unknown): Record<string, unknown> {
    const result = Object.create(null) as Record<string, unknown>;
    for (const name of this.outputs) result[name] = value;
    return result;
  }
  reportNodeEvent(event: NodeEvent): void {
    this.owner.nodeEvent(this, event);
  }
}

// Execution state: which task instance of a dynamic run can run, driven by
// completions (no polling, no rescans). Each completion touches only the
// instances that wait on it, so the cost per task is constant as the graph
// grows. Where and when a ready instance runs is dispatch's business.
import { HamiltonError, NodeExecutionError } from "../errors.js";
import { itemBatchId } from "./item-batch.js";
import type { TaskTemplate, TemplateInput, TemplateSet } from "../grouping/task-templates.js";
import type { TaskItems } from "../executors/task-executor.js";
import type { ExecutionPlan } from "./plan.js";
import { setOwn } from "./own-record.js";
import { materialize } from "./run-task.js";

/** A template instance not made yet: its scope and its index in the frame. */
interface Waiting {
  readonly scope: Scope;
  readonly index: number;
}

const NO_COUNTS = new Int32Array(0);
const NO_FLAGS = new Uint8Array(0);

/** The values of one frame instance: the top level, or one item of a block. */
class Scope {
  /**
   * The top level's values, by node index: a run stores most of its values
   * there (a 100,000-node chain, every one), where a Map of that size costs
   * more per value the bigger it grows.
   */
  private slots: unknown[] | undefined;
  /** A branch's values other tasks read, by name (created on first use: most branches store none). */
  private stored: Map<string, unknown> | undefined;
  /** The expander item this branch runs for, stored apart to spare a Map per branch. */
  itemName: string | undefined;
  item: unknown;
  /** The frame's templates; instances are made only once ready (a 100,000-node chain does not hold 100,000 waiting). */
  templates: readonly TaskTemplate[] = [];
  /** Per template: upstream instances and gates not done yet; -1 once its instance was made. */
  pending: Int32Array = NO_COUNTS;
  /** Per template: its instance finished. */
  done: Uint8Array = NO_FLAGS;
  /** Templates of deeper scopes waiting for one of this scope's, by its index (a branch reading an enclosing value not computed yet). */
  crossWaiters: Map<number, Waiting[]> | undefined;
  expansions: Map<string, Expansion> | undefined;
  /** Instances of a branch not yet done; when none are left, its block has one branch fewer alive. */
  remaining = 0;
  private itemPath: readonly number[] | undefined;
  constructor(
    readonly parent: Scope | undefined,
    readonly depth: number,
    readonly owner: Expansion | undefined,
    readonly index: number,
  ) {}
  /** Item indices from the top level down (made when first asked: most branches are never asked). */
  get path(): readonly number[] {
    return (this.itemPath ??= this.parent ? [...this.parent.path, this.index] : []);
  }
  /** The top level's scope, for a graph of `size` nodes. */
  static root(size: number): Scope {
    const root = new Scope(undefined, 0, undefined, 0);
    root.slots = new Array<unknown>(size);
    return root;
  }
  /** The value of node `name` (index `index`) stored here, or this branch's item. */
  get(name: string, index: number): unknown {
    const slots = this.slots;
    if (slots !== undefined) return slots[index];
    return name === this.itemName ? this.item : this.stored?.get(name);
  }
  set(name: string, index: number, value: unknown): void {
    if (this.slots !== undefined) this.slots[index] = value;
    else (this.stored ??= new Map()).set(name, value);
  }
  at(depth: number): Scope {
    let s: Scope = this;
    while (s.depth > depth) s = s.parent!;
    return s;
  }
  expansion(expander: string, children: readonly TaskTemplate[]): Expansion {
    this.expansions ??= new Map();
    let e = this.expansions.get(expander);
    if (!e) this.expansions.set(expander, (e = new Expansion(this, expander, children)));
    return e;
  }
}

/** One task template instantiated in one scope. */
export class Instance {
  constructor(
    readonly template: TaskTemplate,
    readonly scope: Scope,
  ) {}
  private id: string | undefined;
  get taskId(): string {
    if (this.id === undefined) {
      const p = this.scope.path;
      const name = this.template.name;
      this.id = p.length === 0 ? name : p.length === 1 ? name + "[" + p[0] + "]" : `${name}[${p.join(",")}]`;
    }
    return this.id;
  }
  get path(): readonly number[] {
    return this.scope.path;
  }
}

/**
 * Branches `first`… of one block run as one task (`Task.items`): an instance
 * of the block's only template in the block's parent scope, holding its items.
 */
export class ItemBatch extends Instance {
  /** What `Task.items` says of it. */
  readonly taskItems: TaskItems;
  constructor(
    template: TaskTemplate,
    readonly expansion: Expansion,
    readonly first: number,
    readonly items: unknown[],
  ) {
    super(template, expansion.scope);
    this.taskItems = { input: expansion.expander, first, count: items.length };
  }
  private batchId: string | undefined;
  override get taskId(): string {
    return (this.batchId ??= itemBatchId(this.template.name, this.scope.path, this.first, this.items.length));
  }
}

/** The items of one parallelizable node in one scope, consumed as branches are scheduled. */
class Expansion {
  iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  isAsync = false;
  exhausted = false;
  pulling = false;
  /** `postTaskExpansion` fired already (arrays report their length up front). */
  reported = false;
  nextIndex = 0;
  live = 0;
  taskId = "";
  readonly outstanding: Int32Array;
  readonly collected = new Map<string, unknown[]>();
  gateWaiters: Array<{ readonly child: TaskTemplate | undefined; readonly scope: Scope; readonly index: number }> = [];
  /** The block's only template when its branches may be batched (see `batchable`). */
  batchTemplate: TaskTemplate | undefined;
  /** The items are an array (all in memory already); else an iterator, drawn lazily. */
  fromArray = false;
  constructor(
    readonly scope: Scope,
    readonly expander: string,
    readonly children: readonly TaskTemplate[],
  ) {
    this.outstanding = new Int32Array(children.length);
  }
  gateOpen(child: TaskTemplate | undefined): boolean {
    return this.exhausted && (child === undefined || this.outstanding[child.indexInFrame] === 0);
  }
}

/** What the state tells its run. */
export interface StateEvents {
  /** Every input of the instance is known: it can run. */
  ready(inst: Instance): void;
  /** Every item of an expansion is known (`postTaskExpansion`). */
  expanded(taskId: string, expander: string, path: readonly number[], items: number): void;
  /** An async step (an item pulled, an expander drained) finished: look for work again. */
  progressed(): void;
  /** An expander failed (not iterable, or its generator threw). */
  failed(error: unknown): void;
  /** How many branches of template `t` may run as one task (1: one task each). */
  itemsPerTask(t: TaskTemplate): number;
}

/** A value an iterator may yield ahead of its branch: a primitive that is not a long string. */
function isSmall(v: unknown): boolean {
  return v === null || (typeof v !== "object" && typeof v !== "function" && (typeof v !== "string" || v.length <= 1024));
}

/**
 * Whether a block's branches may run as item batches: one template, whose
 * values only its collector reads (nothing stored, nothing final, no nested
 * block) and whose inputs are plain values.
 */
function batchable(children: readonly TaskTemplate[]): TaskTemplate | undefined {
  if (children.length !== 1) return undefined;
  const t = children[0]!;
  if (t.gates.length > 0 || t.stored.length > 0 || t.finalOutputs.length > 0 || t.expanders.length > 0) return undefined;
  if (t.collected.length !== t.outputs.length) return undefined;
  for (const i of t.inputs) if (i.kind !== "value") return undefined;
  for (const u of t.waitOn) if (u.depth >= t.depth) return undefined;
  return t;
}

/**
 * The execution state of one dynamic run: scopes, task instances and
 * expansions, and the run's outputs as they arrive.
 */
export class ExecutionState {
  private readonly childTemplates = new Map<string, readonly TaskTemplate[]>();
  private readonly finalSet: ReadonlySet<string>;
  private readonly active = new Set<Expansion>();
  /** Task instances created and not yet done. */
  private outstanding = 0;
  /** Requested expanders being drained into arrays. */
  private pendingStarts = 0;
  private closed = false;
  /** The run's outputs so far (own properties: an output may be called `constructor`). */
  readonly results: Record<string, unknown> = {};

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly set: TemplateSet,
    private readonly events: StateEvents,
    /** Most branches of one block alive at once when they wait on other values. */
    private readonly window: number,
  ) {
    this.finalSet = new Set(plan.finalVars);
    for (const t of set.templates) {
      if (t.depth === 0) continue;
      const e = t.frame[t.depth - 1]!;
      if (!this.childTemplates.has(e)) this.childTemplates.set(e, set.byFrame.get(t.frame)!);
    }
  }

  /** Seed the top level with the run's fixed values and instantiate its tasks. */
  start(fixedValues: ReadonlyMap<string, unknown>): void {
    const graph = this.plan.graph;
    const root = Scope.root(graph.order.length);
    for (const [k, v] of fixedValues) {
      const n = graph.get(k);
      if (n) root.set(k, n.index, v); // a value no node is named after is read by none
    }
    for (const f of this.plan.finalVars) if (fixedValues.has(f)) setOwn(this.results, f, fixedValues.get(f));
    this.instantiate(root, this.set.templates.filter((t) => t.depth === 0));
    for (const name of this.plan.fixed) {
      if (this.plan.graph.get(name)!.isExpander && (this.childTemplates.has(name) || this.set.itemsCollected.has(name))) {
        this.startExpansion(root, name, fixedValues.get(name), name);
      }
    }
  }

  /** Nothing is left to run or expand. */
  get finished(): boolean {
    return this.outstanding === 0 && this.active.size === 0 && this.pendingStarts === 0;
  }

  /** Work exists that only an async step can move on (an item being pulled, an expander being drained). */
  get awaitingAsync(): boolean {
    if (this.pendingStarts > 0) return true;
    for (const e of this.active) if (e.pulling || (!e.exhausted && e.live < this.window)) return true;
    return false;
  }

  /** Instances still to finish (for the stall report). */
  get waiting(): number {
    return this.outstanding;
  }

  /**
   * Every input of a ready instance, by name, in an object without prototype
   * (an input may be called `__proto__`; and V8 builds such objects fast when
   * every task has other keys).
   */
  inputsOf(inst: Instance): Record<string, unknown> {
    const inputs = Object.create(null) as Record<string, unknown>;
    const scope = inst.scope;
    if (inst instanceof ItemBatch) {
      const args = this.argsOf(inst);
      const list = inst.template.inputs;
      for (let k = 0; k < list.length; k++) inputs[list[k]!.name] = args[k];
      return inputs;
    }
    for (const i of inst.template.inputs) {
      if (i.kind === "value") inputs[i.name] = scope.at(i.depth).get(i.name, i.index);
      else inputs[i.name] = scope.expansions!.get(i.expander)!.collected.get(i.name) ?? [];
    }
    return inputs;
  }

  /**
   * The values `inputsOf` gives, as the arguments of a one-node instance's
   * node: a one-node template has one input per dependency, in its order.
   */
  argsOf(inst: Instance): unknown[] {
    const scope = inst.scope;
    const inputs = inst.template.inputs;
    const args = new Array<unknown>(inputs.length);
    if (inst instanceof ItemBatch) {
      // the block's own depth holds only the item: that input is the batch's items
      const depth = inst.template.depth;
      for (let k = 0; k < inputs.length; k++) {
        const i = inputs[k]!;
        const v = i as Extract<TemplateInput, { kind: "value" }>; // a batchable template has value inputs only
        args[k] = v.depth === depth ? inst.items : scope.at(v.depth).get(v.name, v.index);
      }
      return args;
    }
    for (let k = 0; k < inputs.length; k++) {
      const i = inputs[k]!;
      args[k] = i.kind === "value" ? scope.at(i.depth).get(i.name, i.index) : (scope.expansions!.get(i.expander)!.collected.get(i.name) ?? []);
    }
    return args;
  }

  /** An instance finished with these outputs: store them and wake whatever waited. */
  complete(inst: Instance, outputs: Readonly<Record<string, unknown>>): void {
    if (inst instanceof ItemBatch) return this.completeBatch(inst, outputs);
    const t = inst.template;
    const scope = inst.scope;
    const stored = t.stored;
    for (let k = 0; k < stored.length; k++) scope.set(stored[k]!, t.storedIndex[k]!, outputs[stored[k]!]);
    if (t.collected.length > 0) {
      const owner = scope.owner!;
      for (const name of t.collected) owner.collected.get(name)![scope.index] = outputs[name];
    }
    for (const name of t.finalOutputs) if (!t.expanders.includes(name)) setOwn(this.results, name, outputs[name]);
    for (const e of t.expanders) this.startExpansion(scope, e, outputs[e], inst.taskId);
    const i = t.indexInFrame;
    scope.done[i] = 1;
    const pending = scope.pending;
    for (const w of t.waitedOnBy) if (--pending[w.indexInFrame]! === 0) this.make(scope, w.indexInFrame);
    const cross = scope.crossWaiters?.get(i);
    if (cross) {
      scope.crossWaiters!.delete(i);
      for (const w of cross) if (--w.scope.pending[w.index]! === 0) this.make(w.scope, w.index);
    }
    this.outstanding--;
    const owner = scope.owner;
    if (owner) {
      const left = --owner.outstanding[t.indexInFrame]!;
      if (left === 0 && owner.exhausted) this.fireGates(owner);
      if (--scope.remaining === 0) owner.live--;
    }
  }

  private completeBatch(batch: ItemBatch, outputs: Readonly<Record<string, unknown>>): void {
    const t = batch.template;
    const exp = batch.expansion;
    const count = batch.items.length;
    for (const name of t.collected) {
      const values = outputs[name];
      if (!Array.isArray(values) || values.length !== count) {
        throw new HamiltonError(`The executor returned "${name}" of item batch ${batch.taskId} as ${Array.isArray(values) ? `${values.length} values` : typeof values}, not ${count} values (one per item).`);
      }
      const into = exp.collected.get(name)!;
      for (let k = 0; k < count; k++) into[batch.first + k] = values[k];
    }
    this.outstanding--;
    exp.outstanding[t.indexInFrame]! -= count;
    exp.live -= count;
    if (exp.outstanding[t.indexInFrame] === 0 && exp.exhausted) this.fireGates(exp);
  }

  /**
   * Run a batch's items as branches of their own after all (the batch failed
   * as a whole — its worker died, a value could not cross — so only single
   * branches can say which item it was). The caller stops batching first.
   */
  splitBatch(batch: ItemBatch): void {
    const exp = batch.expansion;
    const count = batch.items.length;
    this.outstanding--;
    exp.outstanding[batch.template.indexInFrame]! -= count;
    exp.live -= count;
    for (let k = 0; k < count; k++) this.branch(exp, batch.first + k, batch.items[k]);
  }

  /**
   * Take one more item from an expansion that may grow (lazily: only when the
   * run has nothing queued). Returns true when an item or the end of an
   * iterator was taken synchronously; async iterators report through
   * `progressed` instead.
   */
  pull(): boolean {
    for (const exp of this.active) {
      if (exp.exhausted || exp.pulling || exp.live >= this.window) continue;
      if (exp.isAsync) {
        this.pullAsync(exp);
        continue;
      }
      this.pullSync(exp);
      return true;
    }
    return false;
  }

  /** Stop: close open iterators (best effort); later async steps are ignored. */
  close(): void {
    this.closed = true;
    for (const exp of this.active) {
      const it = exp.iterator as { return?: () => unknown } | undefined;
      try {
        const r = it?.return?.();
        if (r && typeof (r as PromiseLike<unknown>).then === "function") Promise.resolve(r).catch(() => undefined);
      } catch {
        // closing a generator that threw is best effort
      }
    }
  }

  private instantiate(scope: Scope, templates: readonly TaskTemplate[]): void {
    const n = templates.length;
    scope.templates = templates;
    const pending = (scope.pending = new Int32Array(n));
    scope.done = new Uint8Array(n);
    scope.remaining = n;
    this.outstanding += n;
    const owner = scope.owner;
    if (owner) for (const t of templates) owner.outstanding[t.indexInFrame]!++;
    for (let k = 0; k < n; k++) {
      const t = templates[k]!;
      let waits = 0;
      for (const u of t.waitOn) {
        // the frame's own templates are all fresh here: counted, and `complete` finds the waiter through `waitedOnBy`
        if (u.depth === t.depth) waits++;
        else {
          const up = scope.at(u.depth);
          if (up.done[u.indexInFrame] === 0) {
            waits++;
            const byIndex = (up.crossWaiters ??= new Map());
            const list = byIndex.get(u.indexInFrame);
            if (list) list.push({ scope, index: k });
            else byIndex.set(u.indexInFrame, [{ scope, index: k }]);
          }
        }
      }
      for (const g of t.gates) {
        const exp = scope.expansion(g.expander, this.childTemplates.get(g.expander) ?? []);
        if (!exp.gateOpen(g.child)) {
          waits++;
          exp.gateWaiters.push({ child: g.child, scope, index: k });
        }
      }
      pending[k] = waits;
    }
    for (let k = 0; k < n; k++) if (pending[k] === 0) this.make(scope, k);
  }

  /** Every input of template `index` of `scope` is known: make its instance, and it is ready. */
  private make(scope: Scope, index: number): void {
    scope.pending[index] = -1;
    this.events.ready(new Instance(scope.templates[index]!, scope));
  }

  private startExpansion(scope: Scope, expander: string, value: unknown, taskId: string): void {
    const children = this.childTemplates.get(expander) ?? (this.set.itemsCollected.has(expander) ? [] : undefined);
    if (this.finalSet.has(expander)) {
      // a requested expander is returned as an array, and its branches run over that array
      this.pendingStarts++;
      materialize(value).then(
        (items) => {
          if (this.closed) return;
          this.pendingStarts--;
          setOwn(this.results, expander, items);
          if (children) this.beginExpansion(scope, expander, children, items, taskId);
          else this.events.expanded(taskId, expander, scope.path, items.length);
          this.events.progressed();
        },
        (error: unknown) => this.events.failed(new NodeExecutionError(expander, taskId, error)),
      );
      return;
    }
    if (children) this.beginExpansion(scope, expander, children, value, taskId);
  }

  private beginExpansion(scope: Scope, expander: string, children: readonly TaskTemplate[], value: unknown, taskId: string): void {
    const exp = scope.expansion(expander, children);
    exp.taskId = taskId;
    const v = value as Partial<Iterable<unknown> & AsyncIterable<unknown>> | null | undefined;
    try {
      if (v != null && typeof v[Symbol.asyncIterator] === "function") {
        exp.iterator = v[Symbol.asyncIterator]!();
        exp.isAsync = true;
      } else if (v != null && typeof v[Symbol.iterator] === "function" && typeof v !== "string") {
        exp.iterator = v[Symbol.iterator]!();
      } else {
        throw new TypeError(
          `parallelizable "${expander}" must return an array, Iterable or AsyncIterable (a generator counts), got ${v === null ? "null" : typeof v}`,
        );
      }
    } catch (error) {
      this.events.failed(new NodeExecutionError(expander, taskId, error));
      return;
    }
    for (const t of children) for (const name of t.collected) exp.collected.set(name, []);
    if (!exp.isAsync) exp.batchTemplate = batchable(children);
    exp.fromArray = Array.isArray(value);
    if (this.set.itemsCollected.has(expander)) exp.collected.set(expander, []);
    this.active.add(exp);
    // an array's items are all known now; an iterator's only once it is drained
    if (Array.isArray(value)) {
      exp.reported = true;
      this.events.expanded(taskId, expander, scope.path, value.length);
    }
  }

  private pullSync(exp: Expansion): void {
    const t = exp.batchTemplate;
    if (t !== undefined) {
      const most = Math.min(this.events.itemsPerTask(t), this.window - exp.live);
      if (most > 1 && this.upstreamDone(exp.scope, t)) return this.pullBatch(exp, t, most);
    }
    let r: IteratorResult<unknown>;
    try {
      r = (exp.iterator as Iterator<unknown>).next();
    } catch (error) {
      this.events.failed(new NodeExecutionError(exp.expander, exp.taskId, error));
      return;
    }
    if (r.done) this.exhaust(exp);
    else this.createChild(exp, r.value);
  }

  /** Whether every instance `t` waits on (all outside its block) is done, so a batch of it is ready now. */
  private upstreamDone(scope: Scope, t: TaskTemplate): boolean {
    for (const u of t.waitOn) if (scope.at(u.depth).done[u.indexInFrame] === 0) return false;
    return true;
  }

  /** Take up to `most` items at once, as one ready task. */
  private pullBatch(exp: Expansion, t: TaskTemplate, most: number): void {
    const iterator = exp.iterator as Iterator<unknown>;
    const items: unknown[] = [];
    const all = exp.collected.get(exp.expander);
    const first = exp.nextIndex;
    let ended = false;
    try {
      while (items.length < most) {
        const r = iterator.next();
        if (r.done) {
          ended = true;
          break;
        }
        if (all) all[first + items.length] = r.value;
        items.push(r.value);
        // an iterator is drawn as branches start: ahead of them only while its items are small
        if (!exp.fromArray && !isSmall(r.value)) break;
      }
    } catch (error) {
      this.events.failed(new NodeExecutionError(exp.expander, exp.taskId, error));
      return;
    }
    if (items.length === 1) {
      this.createChild(exp, items[0]); // a batch of one is a branch
    } else if (items.length > 0) {
      exp.nextIndex += items.length;
      exp.live += items.length;
      exp.outstanding[t.indexInFrame]! += items.length;
      this.outstanding++;
      const batch = new ItemBatch(t, exp, first, items);
      if (ended) this.exhaust(exp);
      this.events.ready(batch);
      return;
    }
    if (ended) this.exhaust(exp);
  }

  private pullAsync(exp: Expansion): void {
    exp.pulling = true;
    let p: Promise<IteratorResult<unknown>>;
    try {
      p = Promise.resolve((exp.iterator as AsyncIterator<unknown>).next());
    } catch (error) {
      this.events.failed(new NodeExecutionError(exp.expander, exp.taskId, error));
      return;
    }
    p.then(
      (r) => {
        exp.pulling = false;
        if (this.closed) return;
        if (r.done) this.exhaust(exp);
        else this.createChild(exp, r.value);
        this.events.progressed();
      },
      (error: unknown) => this.events.failed(new NodeExecutionError(exp.expander, exp.taskId, error)),
    );
  }

  private createChild(exp: Expansion, item: unknown): void {
    const index = exp.nextIndex++;
    const items = exp.collected.get(exp.expander);
    if (items) items[index] = item;
    if (exp.children.length > 0) this.branch(exp, index, item);
  }

  /** The scope of item `index` of an expansion, its tasks instantiated. */
  private branch(exp: Expansion, index: number, item: unknown): void {
    const parent = exp.scope;
    const child = new Scope(parent, parent.depth + 1, exp, index);
    child.itemName = exp.expander;
    child.item = item;
    exp.live++;
    this.instantiate(child, exp.children);
  }

  private exhaust(exp: Expansion): void {
    exp.exhausted = true;
    this.active.delete(exp);
    if (!exp.reported) this.events.expanded(exp.taskId, exp.expander, exp.scope.path, exp.nextIndex);
    this.fireGates(exp);
  }

  private fireGates(exp: Expansion): void {
    const keep: typeof exp.gateWaiters = [];
    for (const w of exp.gateWaiters) {
      if (exp.gateOpen(w.child)) {
        if (--w.scope.pending[w.index]! === 0) this.make(w.scope, w.index);
      } else keep.push(w);
    }
    exp.gateWaiters = keep;
  }
}

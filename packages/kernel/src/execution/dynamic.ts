import { abortErrorFrom, HamiltonError, NodeExecutionError } from "../errors.js";
import type { ExecutionManager } from "../executors/execution-manager.js";
import type { ExecutorContext, NodeEvent, Task, TaskExecutor, TaskPurpose } from "../executors/task-executor.js";
import type { HamiltonGraphAdapter } from "../results/graph-adapter.js";
import type { LifecycleHooks } from "../results/lifecycle.js";
import { isThenable, type InvokeContext } from "./invoke.js";
import type { ExecutionPlan } from "./plan.js";
import { materialize, runNodes } from "./run-task.js";
import type { TaskTemplate, TemplateSet } from "./templates.js";

/** Everything one dynamic run needs. */
export interface DynamicRunOptions {
  readonly runId: string;
  /** What executors were told in `init()`; every task carries it. */
  readonly context: ExecutorContext;
  readonly plan: ExecutionPlan;
  readonly templates: TemplateSet;
  readonly fixedValues: ReadonlyMap<string, unknown>;
  readonly manager: ExecutionManager;
  readonly hooks: LifecycleHooks;
  readonly adapter: HamiltonGraphAdapter | undefined;
  readonly signal?: AbortSignal;
  /** Most branches of one block alive at once when they wait on other values (default 4096). */
  readonly window?: number;
}

/** The values of one frame instance: the top level, or one item of a block. */
class Scope {
  /** Values other tasks read by name (created on first use: most branches store none). */
  private stored: Map<string, unknown> | undefined;
  /** The expander item this branch runs for, stored apart to spare a Map per branch. */
  itemName: string | undefined;
  item: unknown;
  instances: Instance[] = [];
  expansions: Map<string, Expansion> | undefined;
  /** Instances of a branch not yet done; when none are left, its block has one branch fewer alive. */
  remaining = 0;
  constructor(
    readonly parent: Scope | undefined,
    readonly depth: number,
    readonly path: readonly number[],
    readonly owner: Expansion | undefined,
    readonly index: number,
  ) {}
  get(name: string): unknown {
    return name === this.itemName ? this.item : this.stored?.get(name);
  }
  set(name: string, value: unknown): void {
    (this.stored ??= new Map()).set(name, value);
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
class Instance {
  pending = 0;
  waiters: Instance[] | undefined;
  done = false;
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
}

/** The items of one parallelizable node in one scope, consumed as branches are scheduled. */
class Expansion {
  iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  isAsync = false;
  exhausted = false;
  pulling = false;
  nextIndex = 0;
  live = 0;
  taskId = "";
  readonly outstanding: Int32Array;
  readonly collected = new Map<string, unknown[]>();
  gateWaiters: Array<{ child: TaskTemplate | undefined; inst: Instance }> = [];
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

/** What executors receive: plain data for remote workers, `run()` for this thread. */
class RunTask implements Task {
  constructor(
    private readonly engine: DynamicRun,
    readonly inst: Instance,
    readonly inputs: Record<string, unknown>,
  ) {}
  get taskId(): string {
    return this.inst.taskId;
  }
  get runId(): string {
    return this.engine.runId;
  }
  get context(): ExecutorContext {
    return this.engine.context;
  }
  get block(): string | undefined {
    return this.inst.template.block;
  }
  get purpose(): TaskPurpose {
    return this.inst.template.purpose;
  }
  get attempt(): number {
    return 1;
  }
  get timeoutMs(): number | undefined {
    return this.inst.template.timeoutMs;
  }
  get nodes(): readonly string[] {
    return this.inst.template.nodeNames;
  }
  get outputs(): readonly string[] {
    return this.inst.template.outputs;
  }
  get expanders(): readonly string[] {
    return this.inst.template.expanders;
  }
  get path(): readonly number[] {
    return this.inst.scope.path;
  }
  get isBlock(): boolean {
    return this.inst.template.depth > 0;
  }
  get signal(): AbortSignal {
    return this.engine.signal;
  }
  run(): Promise<Record<string, unknown>> {
    const ctx: InvokeContext = { runId: this.engine.runId, taskId: this.taskId, hooks: this.engine.hooks, adapter: this.engine.adapter };
    return runNodes(this.inst.template.nodes, { ...this.inputs }, this.inst.template.outputs, ctx);
  }
  reportNodeEvent(event: NodeEvent): void {
    this.engine.nodeEvent(this.taskId, event);
  }
}

/**
 * The execution state of a dynamic run: which task instance can run, driven by
 * completions (no polling, no rescans). Each completion touches only the tasks
 * that wait on it, so the cost per task is constant as the graph grows.
 */
export class DynamicRun {
  readonly runId: string;
  readonly context: ExecutorContext;
  readonly hooks: LifecycleHooks;
  readonly adapter: HamiltonGraphAdapter | undefined;
  private readonly ctl = new AbortController();
  readonly signal = this.ctl.signal;
  private readonly plan: ExecutionPlan;
  private readonly set: TemplateSet;
  private readonly manager: ExecutionManager;
  private readonly window: number;
  private readonly childTemplates = new Map<string, readonly TaskTemplate[]>();
  private readonly finalSet: ReadonlySet<string>;
  private readonly results: Record<string, unknown> = {};
  private readonly queues = new Map<TaskExecutor, RunTask[]>();
  private queued = 0;
  private readonly active = new Set<Expansion>();
  private outstanding = 0;
  private inFlight = 0;
  private pendingStarts = 0;
  private pumping = false;
  private repump = false;
  private finished = false;
  private resolve!: (v: Record<string, unknown>) => void;
  private reject!: (e: unknown) => void;
  readonly promise: Promise<Record<string, unknown>>;
  private readonly external: AbortSignal | undefined;
  private readonly onExternalAbort = () => this.fail(abortErrorFrom(this.external!));

  constructor(opts: DynamicRunOptions) {
    this.runId = opts.runId;
    this.context = opts.context;
    this.plan = opts.plan;
    this.set = opts.templates;
    this.manager = opts.manager;
    this.hooks = opts.hooks;
    this.adapter = opts.adapter;
    this.window = opts.window ?? 4096;
    this.finalSet = new Set(opts.plan.finalVars);
    this.external = opts.signal;
    for (const t of this.set.templates) {
      if (t.depth === 0) continue;
      const e = t.frame[t.depth - 1]!;
      if (!this.childTemplates.has(e)) this.childTemplates.set(e, this.set.byFrame.get(t.frame)!);
    }
    this.promise = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    if (this.external?.aborted) {
      this.fail(abortErrorFrom(this.external));
      return;
    }
    this.external?.addEventListener("abort", this.onExternalAbort, { once: true });
    try {
      this.start(opts.fixedValues);
    } catch (error) {
      this.fail(error);
    }
  }

  private start(fixedValues: ReadonlyMap<string, unknown>): void {
    const root = new Scope(undefined, 0, [], undefined, 0);
    for (const [k, v] of fixedValues) root.set(k, v);
    for (const f of this.plan.finalVars) if (fixedValues.has(f)) this.results[f] = fixedValues.get(f);
    this.instantiate(root, this.set.templates.filter((t) => t.depth === 0));
    for (const name of this.plan.fixed) {
      if (this.plan.graph.get(name)!.isExpander && (this.childTemplates.has(name) || this.set.itemsCollected.has(name))) {
        this.startExpansion(root, name, fixedValues.get(name), name);
      }
    }
    this.pump();
    this.checkDone();
  }

  private instantiate(scope: Scope, templates: readonly TaskTemplate[]): void {
    const instances = templates.map((t) => new Instance(t, scope));
    scope.instances = instances;
    scope.remaining = instances.length;
    this.outstanding += instances.length;
    const owner = scope.owner;
    if (owner) for (const t of templates) owner.outstanding[t.indexInFrame]!++;
    for (const inst of instances) {
      const t = inst.template;
      for (const u of t.waitOn) {
        const up = scope.at(u.depth).instances[u.indexInFrame]!;
        if (!up.done) {
          inst.pending++;
          (up.waiters ??= []).push(inst);
        }
      }
      for (const g of t.gates) {
        const exp = scope.expansion(g.expander, this.childTemplates.get(g.expander) ?? []);
        if (!exp.gateOpen(g.child)) {
          inst.pending++;
          exp.gateWaiters.push({ child: g.child, inst });
        }
      }
      if (inst.pending === 0) this.enqueue(inst);
    }
  }

  private enqueue(inst: Instance): void {
    // every input is ready once nothing is pending, so the task is complete here
    const task = new RunTask(this, inst, this.buildInputs(inst));
    const executor = this.manager.getExecutorFor(task);
    let q = this.queues.get(executor);
    if (!q) this.queues.set(executor, (q = []));
    q.push(task);
    this.queued++;
  }

  private buildInputs(inst: Instance): Record<string, unknown> {
    const inputs: Record<string, unknown> = {};
    const scope = inst.scope;
    for (const i of inst.template.inputs) {
      if (i.kind === "value") inputs[i.name] = scope.at(i.depth).get(i.name);
      else inputs[i.name] = scope.expansions!.get(i.expander)!.collected.get(i.name) ?? [];
    }
    return inputs;
  }

  private submit(task: RunTask, executor: TaskExecutor): void {
    const inst = task.inst;
    const taskId = task.taskId;
    if (this.hooks.preTask.length > 0) {
      for (const h of this.hooks.preTask) {
        const r = h({ runId: this.runId, taskId, nodes: task.nodes, path: task.path, block: task.block, purpose: task.purpose, attempt: task.attempt });
        if (isThenable(r)) Promise.resolve(r).catch((e: unknown) => this.fail(e));
      }
    }
    let p: Promise<Record<string, unknown>>;
    this.inFlight++;
    try {
      p = executor.submitTask(task);
    } catch (error) {
      this.taskFailed(inst, taskId, error);
      return;
    }
    p.then(
      (out) => this.complete(inst, taskId, out),
      (error: unknown) => this.taskFailed(inst, taskId, error),
    );
  }

  private complete(inst: Instance, taskId: string, outputs: Record<string, unknown>): void {
    this.inFlight--;
    if (this.finished) return;
    const t = inst.template;
    const scope = inst.scope;
    if (this.hooks.postTask.length > 0) {
      for (const h of this.hooks.postTask) {
        const r = h({ ...taskInfo(inst), runId: this.runId, taskId, success: true, result: outputs });
        if (isThenable(r)) Promise.resolve(r).catch((e: unknown) => this.fail(e));
      }
    }
    for (const name of t.stored) scope.set(name, outputs[name]);
    if (t.collected.length > 0) {
      const owner = scope.owner!;
      for (const name of t.collected) owner.collected.get(name)![scope.index] = outputs[name];
    }
    for (const name of t.finalOutputs) if (!t.expanders.includes(name)) this.results[name] = outputs[name];
    for (const e of t.expanders) this.startExpansion(scope, e, outputs[e], taskId);
    inst.done = true;
    const waiters = inst.waiters;
    inst.waiters = undefined;
    if (waiters) for (const w of waiters) if (--w.pending === 0) this.enqueue(w);
    this.outstanding--;
    const owner = scope.owner;
    if (owner) {
      const left = --owner.outstanding[t.indexInFrame]!;
      if (left === 0 && owner.exhausted) this.fireGates(owner);
      if (--scope.remaining === 0) owner.live--;
    }
    this.pump();
    this.checkDone();
  }

  private startExpansion(scope: Scope, expander: string, value: unknown, taskId: string): void {
    const children = this.childTemplates.get(expander) ?? (this.set.itemsCollected.has(expander) ? [] : undefined);
    if (this.finalSet.has(expander)) {
      // a requested expander is returned as an array, and its branches run over that array
      this.pendingStarts++;
      materialize(value).then(
        (items) => {
          this.pendingStarts--;
          this.results[expander] = items;
          if (children) this.beginExpansion(scope, expander, children, items, taskId);
          this.pump();
          this.checkDone();
        },
        (error: unknown) => this.fail(new NodeExecutionError(expander, taskId, error)),
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
      this.fail(new NodeExecutionError(expander, taskId, error));
      return;
    }
    for (const t of children) for (const name of t.collected) exp.collected.set(name, []);
    if (this.set.itemsCollected.has(expander)) exp.collected.set(expander, []);
    this.active.add(exp);
  }

  private pullSync(exp: Expansion): void {
    let r: IteratorResult<unknown>;
    try {
      r = (exp.iterator as Iterator<unknown>).next();
    } catch (error) {
      this.fail(new NodeExecutionError(exp.expander, exp.taskId, error));
      return;
    }
    if (r.done) this.exhaust(exp);
    else this.createChild(exp, r.value);
  }

  private pullAsync(exp: Expansion): void {
    exp.pulling = true;
    let p: Promise<IteratorResult<unknown>>;
    try {
      p = Promise.resolve((exp.iterator as AsyncIterator<unknown>).next());
    } catch (error) {
      this.fail(new NodeExecutionError(exp.expander, exp.taskId, error));
      return;
    }
    p.then(
      (r) => {
        exp.pulling = false;
        if (this.finished) return;
        if (r.done) this.exhaust(exp);
        else this.createChild(exp, r.value);
        this.pump();
        this.checkDone();
      },
      (error: unknown) => this.fail(new NodeExecutionError(exp.expander, exp.taskId, error)),
    );
  }

  private createChild(exp: Expansion, item: unknown): void {
    const index = exp.nextIndex++;
    const parent = exp.scope;
    const child = new Scope(parent, parent.depth + 1, [...parent.path, index], exp, index);
    child.itemName = exp.expander;
    child.item = item;
    const items = exp.collected.get(exp.expander);
    if (items) items[index] = item;
    if (exp.children.length > 0) {
      exp.live++;
      this.instantiate(child, exp.children);
    }
  }

  private exhaust(exp: Expansion): void {
    exp.exhausted = true;
    this.active.delete(exp);
    this.fireGates(exp);
  }

  private fireGates(exp: Expansion): void {
    const keep: Array<{ child: TaskTemplate | undefined; inst: Instance }> = [];
    for (const w of exp.gateWaiters) {
      if (exp.gateOpen(w.child)) {
        if (--w.inst.pending === 0) this.enqueue(w.inst);
      } else keep.push(w);
    }
    exp.gateWaiters = keep;
  }

  private flush(): void {
    for (const [executor, q] of this.queues) {
      let head = 0;
      while (head < q.length && !this.finished && executor.canSubmitTask()) {
        const task = q[head++]!;
        this.queued--;
        this.submit(task, executor);
      }
      if (head > 0) q.splice(0, head);
    }
  }

  private pump(): void {
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        this.flush();
        for (const exp of this.active) {
          while (!this.finished && this.queued === 0 && !exp.exhausted && !exp.pulling && exp.live < this.window) {
            if (exp.isAsync) {
              this.pullAsync(exp);
              break;
            }
            this.pullSync(exp);
            this.flush();
          }
        }
      } while (this.repump && !this.finished);
    } finally {
      this.pumping = false;
    }
  }

  private checkDone(): void {
    if (this.finished) return;
    if (this.outstanding > 0 || this.active.size > 0 || this.pendingStarts > 0) {
      if (this.inFlight === 0 && this.queued === 0 && this.active.size === 0 && this.pendingStarts === 0) {
        // nothing runs and nothing can: report instead of waiting forever
        this.fail(new HamiltonError(`hamilton-ts scheduler stalled with ${this.outstanding} task(s) waiting; please report this graph.`));
      }
      return;
    }
    this.finish();
    const out: Record<string, unknown> = {};
    for (const f of this.plan.finalVars) out[f] = this.results[f];
    this.resolve(out);
  }

  private finish(): void {
    this.finished = true;
    this.external?.removeEventListener("abort", this.onExternalAbort);
  }

  private taskFailed(inst: Instance, taskId: string, error: unknown): void {
    this.inFlight--;
    if (this.finished) return;
    const t = inst.template;
    let wrapped = error;
    if (!HamiltonError.isInstance(error)) {
      wrapped = new NodeExecutionError(t.nodeNames.length === 1 ? t.nodeNames[0]! : t.nodeNames.join(", "), taskId, error);
    }
    for (const h of this.hooks.postTask) {
      try {
        const r = h({ ...taskInfo(inst), runId: this.runId, taskId, success: false, error: wrapped });
        if (isThenable(r)) Promise.resolve(r).catch(() => undefined);
      } catch {
        // the run already failed; a hook's own error must not hide the node's
      }
    }
    this.fail(wrapped);
  }

  /** End the run with an error: stop scheduling and tell executors through the task signal. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.finish();
    this.ctl.abort(error);
    for (const exp of this.active) {
      const it = exp.iterator as { return?: () => unknown } | undefined;
      try {
        const r = it?.return?.();
        if (isThenable(r)) Promise.resolve(r).catch(() => undefined);
      } catch {
        // closing a generator that threw is best effort
      }
    }
    this.reject(error);
  }

  nodeEvent(taskId: string, event: NodeEvent): void {
    const node = this.plan.graph.get(event.nodeName);
    const base = { runId: this.runId, taskId, nodeName: event.nodeName, nodeTags: node?.tags ?? {} };
    if (event.type === "pre") for (const h of this.hooks.preNode) h(base);
    else if (event.type === "post") {
      for (const h of this.hooks.postNode) h({ ...base, success: event.success ?? true, error: event.error, durationMs: event.durationMs });
    }
  }
}

function taskInfo(inst: Instance): { nodes: readonly string[]; path: readonly number[]; block: string | undefined; purpose: TaskPurpose; attempt: number } {
  const t = inst.template;
  return { nodes: t.nodeNames, path: inst.scope.path, block: t.block, purpose: t.purpose, attempt: 1 };
}

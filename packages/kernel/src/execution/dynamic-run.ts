// The coordinator of one dynamic run: it asks the execution state what can
// run, hands ready tasks to the dispatchers of their executors, fires task
// hooks, retries failed attempts, and settles the run. Runs share nothing but
// the dispatchers, so any number may overlap on one driver.
import { abortErrorFrom, HamiltonError, NodeExecutionError, type ValidationResult } from "../errors.js";
import type { ExecutionManager } from "../executors/execution-manager.js";
import type { ExecutorContext, NodeEvent, Task, TaskExecutor } from "../executors/task-executor.js";
import type { GraphNode } from "../graph/function-graph.js";
import type { TaskTemplate, TemplateSet } from "../grouping/task-templates.js";
import type { PostTaskExecuteArgs, PreTaskExecuteArgs } from "../lifecycle/lifecycle-adapter.js";
import { fireHooks, PostNodeArgs, PreNodeArgs, type LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import type { HamiltonGraphAdapter } from "../results/graph-adapter.js";
import type { CachedRunHost, CachedTasks } from "./cached-tasks.js";
import { DynamicTask, type TaskCut, type TaskOwner } from "./dynamic-task.js";
import { ExecutionState, ItemBatch, type Instance, type StateEvents } from "./execution-state.js";
import { getOwn, setOwn } from "./own-record.js";
import type { ExecutionPlan } from "./plan.js";
import type { ResolvedRetryPolicy } from "./retryer.js";
import { backoff, retryDelayMs, shouldRetry } from "./retrying.js";
import { dispatcherFor, type DispatchClient, type TaskDispatcher } from "./task-dispatcher.js";

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
  /** The retry policy of a node (its own, else the builder's default); undefined: no retry. */
  readonly retryPolicyOf?: (node: GraphNode) => ResolvedRetryPolicy | undefined;
  /** Receives output-check results, from this thread and from workers. */
  readonly onValidation?: (results: readonly ValidationResult[]) => void;
  /** Most branches of one block alive at once when they wait on other values (default 4096). */
  readonly window?: number;
  /** The run's cache (`Builder.withCache`), made for this run (see cached-tasks.ts). */
  readonly cache?: (host: CachedRunHost) => CachedTasks;
}

/** A run's tasks waiting for one executor: the run's side of that executor's dispatcher. */
class RunQueue implements DispatchClient {
  private tasks: DynamicTask[] = [];
  private head = 0;
  /** Listed in the run's queues to wake. */
  toWake = false;
  constructor(
    private readonly run: DynamicRun,
    readonly dispatcher: TaskDispatcher,
  ) {}
  get size(): number {
    return this.tasks.length - this.head;
  }
  push(task: DynamicTask): void {
    this.tasks.push(task);
  }
  /** A retry goes first: it has waited its backoff already. */
  pushFront(task: DynamicTask): void {
    if (this.head > 0) this.tasks[--this.head] = task;
    else this.tasks.unshift(task);
  }
  shift(): DynamicTask {
    const t = this.tasks[this.head]!;
    this.tasks[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.tasks.length) {
      this.tasks = this.tasks.slice(this.head);
      this.head = 0;
    }
    return t;
  }
  clear(): void {
    this.tasks = [];
    this.head = 0;
  }
  next(): Task | undefined {
    return this.run.nextFor(this);
  }
  settled(task: Task, ok: boolean, value: unknown): void {
    this.run.settled(task as DynamicTask, ok, value);
  }
}

/** One dynamic run, from its fixed values to its outputs. */
export class DynamicRun implements TaskOwner, StateEvents, CachedRunHost {
  readonly runId: string;
  readonly context: ExecutorContext;
  readonly hooks: LifecycleHooks;
  readonly adapter: HamiltonGraphAdapter | undefined;
  private readonly ctl = new AbortController();
  /** Aborted when the run fails or is cancelled: what every task sees. */
  readonly signal = this.ctl.signal;
  readonly promise: Promise<Record<string, unknown>>;
  private readonly plan: ExecutionPlan;
  private readonly manager: ExecutionManager;
  private readonly state: ExecutionState;
  private readonly retryPolicyOf: (node: GraphNode) => ResolvedRetryPolicy | undefined;
  private readonly validation: ((results: readonly ValidationResult[]) => void) | undefined;
  private readonly queues = new Map<TaskExecutor, RunQueue>();
  /** Queues that got tasks since their dispatcher was last woken (each at most once: `RunQueue.toWake`). */
  private toWake: RunQueue[] = [];
  private queued = 0;
  private inFlight = 0;
  private retrying = 0;
  private readonly cache: CachedTasks | undefined;
  /** Per block template, once its first branch met its executor: who to ask for item batches (null: never batched; see `batches`). */
  private readonly batchers = new Map<TaskTemplate, { readonly executor: TaskExecutor; readonly sample: Task } | null>();
  finished = false;
  private resolve!: (v: Record<string, unknown>) => void;
  private reject!: (e: unknown) => void;
  private readonly external: AbortSignal | undefined;
  private readonly onExternalAbort = () => this.fail(abortErrorFrom(this.external!));
  private readonly hookFailed = (error: unknown) => this.fail(error);
  readonly onValidation = (_nodeName: string, results: readonly ValidationResult[]) => this.validation?.(results);

  constructor(opts: DynamicRunOptions) {
    this.runId = opts.runId;
    this.context = opts.context;
    this.plan = opts.plan;
    this.manager = opts.manager;
    this.hooks = opts.hooks;
    this.adapter = opts.adapter;
    this.retryPolicyOf = opts.retryPolicyOf ?? (() => undefined);
    this.validation = opts.onValidation;
    this.external = opts.signal;
    this.cache = opts.cache?.(this);
    this.state = new ExecutionState(opts.plan, opts.templates, this, opts.window ?? 4096);
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
      this.state.start(opts.fixedValues);
      this.drive();
    } catch (error) {
      this.fail(error);
    }
  }

  // ---- what the execution state reports -------------------------------------

  ready(inst: Instance): void {
    if (this.cache) this.cache.ready(inst);
    else this.submit(inst, undefined);
  }

  expanded(taskId: string, expander: string, path: readonly number[], items: number): void {
    if (this.hooks.postTaskExpansion.length > 0) fireHooks(this.hooks.postTaskExpansion, { runId: this.runId, taskId, expander, path, items }, this.hookFailed);
  }

  itemsPerTask(t: TaskTemplate): number {
    const b = this.batchers.get(t);
    if (!b) return 1;
    const n = b.executor.itemsPerTask!(b.sample);
    return n >= 2 ? Math.floor(Math.min(n, 65_536)) : 1;
  }

  progressed(): void {
    if (this.finished) return;
    this.drive();
  }

  failed(error: unknown): void {
    this.fail(error);
  }

  // ---- what dispatchers ask --------------------------------------------------

  /** The next task of this run for `queue`'s executor, pulling expander items lazily. */
  nextFor(queue: RunQueue): Task | undefined {
    if (this.finished) return undefined;
    // pull another item only when nothing of this run waits, so iterators are consumed as branches start
    while (queue.size === 0) {
      if (this.queued > 0 || this.cache?.saturated || !this.state.pull()) {
        this.wakeQueues();
        // items answered by the cache may have finished the run
        if (this.cache) this.settleIfDone();
        return undefined;
      }
      if (this.finished) return undefined;
    }
    const task = queue.shift();
    this.queued--;
    this.inFlight++;
    if (this.hooks.preTask.length > 0) fireHooks(this.hooks.preTask, taskArgs(task), this.hookFailed);
    this.wakeQueues();
    if (this.finished) {
      this.inFlight--;
      return undefined;
    }
    return task;
  }

  settled(task: DynamicTask, ok: boolean, value: unknown): void {
    this.inFlight--;
    if (this.finished) return;
    if (ok) {
      const outputs = value as Record<string, unknown>;
      if (task.cut) this.cache!.recorded(task.cut, outputs);
      if (this.hooks.postTask.length > 0) fireHooks(this.hooks.postTask, postTaskArgs(task, true, outputs, undefined), this.hookFailed);
      if (this.finished) return;
      try {
        this.state.complete(task.inst, outputs);
      } catch (error) {
        this.fail(error);
        return;
      }
    } else {
      this.attemptFailed(task, value);
    }
    this.drive();
  }

  // ---- what tasks report -----------------------------------------------------

  nodeEvent(task: DynamicTask, event: NodeEvent): void {
    if (this.finished) return;
    if (event.type === "validation") {
      this.validation?.(event.results);
      return;
    }
    const hooks = event.type === "pre" ? this.hooks.preNode : this.hooks.postNode;
    if (hooks.length === 0) return;
    const node = this.plan.graph.get(event.nodeName);
    const pre = new PreNodeArgs(this.runId, task.taskId, event.nodeName, node?.tags ?? {}, undefined, task.attempt);
    try {
      if (event.type === "pre") for (const h of this.hooks.preNode) h(pre);
      else {
        const post = new PostNodeArgs(pre, event.success ?? true, undefined, event.error, event.durationMs);
        for (const h of this.hooks.postNode) h(post);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  // ---- the run's own steps ---------------------------------------------------

  // ---- what the cache asks (cached-tasks.ts) ---------------------------------

  submit(inst: Instance, inputs: Record<string, unknown> | undefined, cut?: TaskCut): void {
    const task = new DynamicTask(this, inst, inputs, 1, cut);
    const executor = this.manager.getExecutorFor(task);
    task.executor = executor;
    const t = inst.template;
    if (t.depth > 0 && !this.batchers.has(t)) this.batchers.set(t, this.batches(t, executor) ? { executor, sample: task } : null);
    this.enqueue(this.queueFor(executor), task, false);
  }

  inputsOf(inst: Instance): Record<string, unknown> {
    return this.state.inputsOf(inst);
  }

  argsOf(inst: Instance): unknown[] {
    return this.state.argsOf(inst);
  }

  /** A task answered by the cache: its hooks fire as for a task that ran (its nodes' hooks do not: none ran). */
  complete(inst: Instance, inputs: Record<string, unknown>, outputs: Record<string, unknown>): void {
    const hooks = this.hooks;
    if (hooks.preTask.length > 0 || hooks.postTask.length > 0) {
      const task = new DynamicTask(this, inst, inputs, 1);
      fireHooks(hooks.preTask, taskArgs(task), this.hookFailed);
      fireHooks(hooks.postTask, postTaskArgs(task, true, outputs, undefined), this.hookFailed);
      if (this.finished) return;
    }
    this.state.complete(inst, outputs);
  }

  /**
   * Whether branches of block template `t` may go to `executor` as item
   * batches: it takes them, and nothing would see the difference — no task
   * or node hooks, no graph adapter, no cache, no retry policy or timeout on
   * the template's nodes (each branch keeps its own attempts and clock).
   */
  private batches(t: TaskTemplate, executor: TaskExecutor): boolean {
    if (typeof executor.itemsPerTask !== "function") return false;
    const h = this.hooks;
    if (h.preTask.length > 0 || h.postTask.length > 0 || h.hasNodeHooks || this.adapter !== undefined || this.cache !== undefined) return false;
    for (const node of t.nodes) if (node.spec?.timeoutMs !== undefined || this.retryPolicyOf(node) !== undefined) return false;
    return true;
  }

  private queueFor(executor: TaskExecutor): RunQueue {
    let q = this.queues.get(executor);
    if (!q) this.queues.set(executor, (q = new RunQueue(this, dispatcherFor(executor))));
    return q;
  }

  private enqueue(queue: RunQueue, task: DynamicTask, front: boolean): void {
    if (front) queue.pushFront(task);
    else queue.push(task);
    this.queued++;
    if (!queue.toWake) {
      queue.toWake = true;
      this.toWake.push(queue);
    }
  }

  private wakeQueues(): void {
    while (this.toWake.length > 0 && !this.finished) {
      const q = this.toWake.pop()!;
      q.toWake = false;
      q.dispatcher.wake(q);
    }
  }

  /** Pull items while nothing is queued, hand what is ready to the dispatchers, then see whether the run is over. */
  private drive(): void {
    try {
      while (!this.finished && this.queued === 0 && !this.cache?.saturated && this.state.pull());
    } catch (error) {
      this.fail(error);
      return;
    }
    this.wakeQueues();
    this.settleIfDone();
  }

  private settleIfDone(): void {
    if (this.finished) return;
    if (this.state.finished) {
      this.finish();
      const out: Record<string, unknown> = {};
      for (const f of this.plan.finalVars) setOwn(out, f, getOwn(this.state.results, f));
      this.resolve(out);
      return;
    }
    if (this.inFlight === 0 && this.queued === 0 && this.retrying === 0 && !this.cache?.planning && !this.state.awaitingAsync) {
      // nothing runs and nothing can: the tasks that failed (with a cache, the rest has finished and is stored), or a stall
      if (this.cache?.hasFailed) this.fail(this.cache.failure());
      else this.fail(new HamiltonError(`hamilton-ts scheduler stalled with ${this.state.waiting} task(s) waiting; please report this graph.`));
    }
  }

  private attemptFailed(task: DynamicTask, error: unknown): void {
    const names = task.nodes;
    const wrapped = HamiltonError.isInstance(error) ? error : new NodeExecutionError(names.length === 1 ? names[0]! : names.join(", "), task.taskId, error);
    if (this.hooks.postTask.length > 0) {
      // the run may fail now; a hook's own error must not hide the node's
      fireHooks(this.hooks.postTask, postTaskArgs(task, false, undefined, wrapped), () => undefined);
    }
    const culprit = (wrapped as { taskId?: unknown }).taskId;
    if (task.inst instanceof ItemBatch && !this.signal.aborted && (culprit === undefined || culprit === task.taskId)) {
      // the batch failed as a whole (its worker died, its values could not cross together), not one of its
      // items: run them one by one, so that each succeeds or fails as it would have alone
      this.batchers.set(task.inst.template, null);
      this.state.splitBatch(task.inst);
      return;
    }
    const policy = this.policyFor(task, wrapped);
    if (policy && shouldRetry(policy, wrapped, task.attempt, this.signal)) {
      const next = new DynamicTask(this, task.inst, task.inputs, task.attempt + 1, task.cut);
      next.executor = task.executor;
      this.retrying++;
      backoff(retryDelayMs(policy, next.attempt), this.signal).then(
        () => {
          this.retrying--;
          if (this.finished) return;
          this.enqueue(this.queueFor(next.executor!), next, true);
          this.wakeQueues();
        },
        () => void this.retrying--, // the run was aborted or failed meanwhile
      );
      return;
    }
    // with a cache the other tasks go on, so a re-run finds their results
    if (task.cut) this.cache!.failed(task.cut, wrapped);
    else this.fail(wrapped);
  }

  /** The failing node's policy; when the failure names no node of the task (a worker died), the first node's that has one. */
  private policyFor(task: DynamicTask, error: unknown): ResolvedRetryPolicy | undefined {
    const nodes = task.inst.template.nodes;
    const culprit = (error as { nodeName?: unknown }).nodeName;
    const named = nodes.find((n) => n.name === culprit);
    if (named) return this.retryPolicyOf(named);
    for (const n of nodes) {
      const p = this.retryPolicyOf(n);
      if (p) return p;
    }
    return undefined;
  }

  private finish(): void {
    this.finished = true;
    this.external?.removeEventListener("abort", this.onExternalAbort);
    for (const q of this.queues.values()) {
      q.dispatcher.leave(q);
      q.clear();
    }
    this.queued = 0;
    for (const q of this.toWake) q.toWake = false;
    this.toWake = [];
  }

  /** End the run with an error: stop scheduling, and tell executors through the task signal. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.finish();
    this.ctl.abort(error);
    this.state.close();
    this.reject(error);
    // executors may have freed this run's slots on the abort: let other runs use them
    for (const q of this.queues.values()) q.dispatcher.kick();
  }
}

function taskArgs(task: DynamicTask): PreTaskExecuteArgs {
  return { runId: task.runId, taskId: task.taskId, nodes: task.nodes, path: task.path, block: task.block, purpose: task.purpose, attempt: task.attempt };
}

function postTaskArgs(task: DynamicTask, success: boolean, result: Record<string, unknown> | undefined, error: unknown): PostTaskExecuteArgs {
  return { runId: task.runId, taskId: task.taskId, nodes: task.nodes, path: task.path, block: task.block, purpose: task.purpose, attempt: task.attempt, success, result, error };
}

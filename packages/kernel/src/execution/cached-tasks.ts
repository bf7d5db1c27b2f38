// The cache's side of a dynamic run, loaded with the cache engine (so a run
// without a cache, and the main entry's browser bundle, carry none of it).
// Each task is planned when it becomes ready, before it is queued or takes an
// executor slot: a task whose nodes are all hits completes here and is never
// sent to an executor; otherwise only the nodes that are not hits run, with
// the hits among their inputs. With a cache a failing task does not stop the
// run: independent tasks (the other branches of a block) finish and are
// stored, and the run rejects with every failure once nothing else can run.
import type { TaskCut } from "./dynamic-task.js";
import type { Instance } from "./execution-state.js";
import { isThenable } from "../cache/maybe-async.js";
import type { CacheTaskPlan, RunCache } from "../cache/run-cache.js";
import { ExecutorError } from "../errors.js";

/** What the cache needs of its dynamic run. */
export interface CachedRunHost {
  readonly finished: boolean;
  inputsOf(inst: Instance): Record<string, unknown>;
  /** Queue a task of the instance for its executor. */
  submit(inst: Instance, inputs: Record<string, unknown>, cut: TaskCut): void;
  /** The instance is done with these outputs (its nodes were all hits). */
  complete(inst: Instance, inputs: Record<string, unknown>, outputs: Record<string, unknown>): void;
  fail(error: unknown): void;
  /** Something finished asynchronously: look for work again. */
  progressed(): void;
}

/** Tasks planned at once while their lookups are asynchronous (a store on disk). */
const PLANNING_WINDOW = 256;

/** What a dynamic run asks of its cache. */
export class CachedTasks {
  /** Ready instances to plan, drained in a loop: a chain of hits must not recurse. */
  private toPlan: Instance[] = [];
  private draining = false;
  /** Tasks whose lookups are under way. */
  planning = 0;
  /** Tasks that failed for good, reported when nothing else can run. */
  private readonly failures: unknown[] = [];

  constructor(
    private readonly cache: RunCache,
    private readonly host: CachedRunHost,
  ) {}

  /** Enough lookups are under way: pull no more items for now. */
  get saturated(): boolean {
    return this.planning >= PLANNING_WINDOW;
  }

  /** An instance's inputs are all known: plan it. */
  ready(inst: Instance): void {
    this.toPlan.push(inst);
    if (this.draining) return;
    this.draining = true;
    const host = this.host;
    try {
      while (this.toPlan.length > 0 && !host.finished) {
        const next = this.toPlan.pop()!;
        const inputs = host.inputsOf(next);
        const plan = this.cache.planTask({ taskId: next.taskId, path: next.path, nodes: next.template.nodes, inputs });
        if (!isThenable(plan)) {
          this.planned(next, inputs, plan);
          continue;
        }
        this.planning++;
        plan.then(
          (p) => {
            this.planning--;
            if (host.finished) return;
            try {
              this.planned(next, inputs, p);
            } catch (error) {
              host.fail(error);
            }
            host.progressed();
          },
          (error: unknown) => {
            this.planning--;
            host.fail(error);
          },
        );
      }
    } catch (error) {
      host.fail(error);
    } finally {
      this.draining = false;
    }
  }

  /** A task ran: record what the cache asked for, and hand back its outputs with the hits. */
  recorded(cut: TaskCut, outputs: Record<string, unknown>): void {
    this.cache.recordTask(cut.plan, outputs);
    for (const [name, v] of cut.plan.hits) outputs[name] = v;
  }

  /**
   * A task failed for good: its keys are given up, and the run goes on
   * without it, unless the executor itself is broken (its workers cannot
   * start, it was closed): then every other task would fail the same way, or
   * wait forever, so the run stops now.
   */
  failed(cut: TaskCut, error: unknown): void {
    this.cache.taskFailed(cut.plan);
    if (executorBroken(error)) this.host.fail(error);
    else this.failures.push(error);
  }

  /**
   * What the run rejects with when nothing else can run: its first failure,
   * with every failure in `errors` (not enumerable: it holds the error itself)
   * and, when there are several, a message that says how many.
   */
  failure(): unknown {
    const failures = this.failures;
    const first = failures[0];
    if (typeof first !== "object" || first === null) return first;
    Object.defineProperty(first, "errors", { value: [...failures], configurable: true, writable: true });
    if (first instanceof Error && failures.length > 1) {
      first.message += ` (and ${failures.length - 1} more failed task${failures.length > 2 ? "s" : ""}: see error.errors)`;
    }
    return first;
  }

  /** Whether some task failed for good. */
  get hasFailed(): boolean {
    return this.failures.length > 0;
  }

  private planned(inst: Instance, inputs: Record<string, unknown>, plan: CacheTaskPlan): void {
    const t = inst.template;
    const hits = plan.hits;
    if (plan.run.length === 0) {
      const outputs = Object.create(null) as Record<string, unknown>;
      for (const name of t.outputs) outputs[name] = hits.get(name);
      this.host.complete(inst, inputs, outputs);
      return;
    }
    if (hits.size === 0 && plan.record.length === 0) {
      this.host.submit(inst, inputs, { plan, nodes: t.nodes, names: t.nodeNames, outputs: t.outputs });
      return;
    }
    for (const [name, v] of hits) inputs[name] = v;
    const outputs = t.outputs.filter((o) => !hits.has(o));
    for (const r of plan.record) if (!outputs.includes(r)) outputs.push(r);
    this.host.submit(inst, inputs, { plan, nodes: plan.run, names: plan.run.map((n) => n.name), outputs });
  }
}

/** An executor failure that is not about this task (a worker that died running it is). */
function executorBroken(error: unknown): boolean {
  const e = ExecutorError.isInstance(error) ? error : (error as { cause?: unknown } | null)?.cause;
  return ExecutorError.isInstance(e) && e.reason !== "worker-died";
}

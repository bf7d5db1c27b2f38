import { Builder } from "../driver/builder.js";
import type { Driver } from "../driver/driver.js";
import { DefaultExecutionManager } from "../executors/execution-manager.js";
import type { TaskExecutor } from "../executors/task-executor.js";
import { GroupByRepeatableBlocks, GroupNodesAllAsOne, GroupNodesByLevel, GroupNodesIndividually } from "../grouping/grouping-strategy.js";
import type { GroupingStrategy } from "../grouping/grouping-strategy.js";
import type { PostNodeExecuteArgs, PreNodeExecuteArgs, PreTaskExecuteArgs } from "../lifecycle/lifecycle-adapter.js";
import { check, checkEqual, rejectionOf, seeded, within } from "./check.js";
import { faultsModule, scenarios, type Scenario } from "./scenarios.js";

/** The groups of cases; leave out those an executor cannot honour. */
export type SuiteGroup = "scenarios" | "failures" | "abort" | "concurrency" | "node-events" | "timeouts";

/** What the suite runs against. */
export interface ExecutorSuiteOptions {
  /**
   * The executor under test, asked for once per case. Return one shared
   * instance (the usual pool, reused across drivers and runs) or a fresh one;
   * the suite never closes it (close it after the suite).
   */
  readonly executor: () => TaskExecutor;
  /** Groups to leave out, e.g. `["timeouts"]` for an executor that cannot stop a task stuck in a loop. */
  readonly skip?: readonly SuiteGroup[];
  /** Grouping strategies the scenarios run under (default: the kernel's four). */
  readonly groupings?: ReadonlyArray<new () => GroupingStrategy>;
  /** Numbers of overlapping runs in the concurrency cases (default `[2, 7, 20]`). */
  readonly concurrentRuns?: readonly number[];
  /** Seed of the concurrency cases' random aborts and failures (default 1), printed when one fails. */
  readonly seed?: number;
}

/** One case: its group, a name for the test report, and the check itself (rejects when it fails). */
export interface SuiteCase {
  readonly group: SuiteGroup;
  readonly name: string;
  run(): Promise<void>;
}

/** Every grouping strategy of the kernel. */
export const groupings: ReadonlyArray<new () => GroupingStrategy> = [GroupByRepeatableBlocks, GroupNodesIndividually, GroupNodesAllAsOne, GroupNodesByLevel];

/** How a driver uses the executor: for parallel blocks only (the usual), or for every task. */
type Mode = "parallel blocks" | "every task";

function builderFor(executor: TaskExecutor, mode: Mode, modules: readonly URL[], config: Readonly<Record<string, unknown>> = {}): Builder {
  const b = new Builder()
    .withModules(...modules)
    .withConfig({ ...config })
    .enableDynamicExecution({ allowExperimentalMode: true });
  return mode === "every task"
    ? b.withExecutionManager(new DefaultExecutionManager({ localExecutor: executor, remoteExecutor: executor }))
    : b.withRemoteExecutor(executor);
}

/** Generous bounds that prove "does not hang", never speed. */
const RUN_MS = 30_000;
const ABORT_MS = 5_000;

function scenarioCase(executor: () => TaskExecutor, s: Scenario, Grouping: new () => GroupingStrategy, mode: Mode): SuiteCase {
  return {
    group: "scenarios",
    name: `${s.name} (grouped by ${Grouping.name}, ${mode})`,
    async run() {
      const dr = await builderFor(executor(), mode, s.modules, s.config).withGroupingStrategy(new Grouping()).build();
      const out = await within(RUN_MS, s.name, dr.execute(s.finalVars, { inputs: { ...s.inputs }, overrides: { ...s.overrides } }));
      checkEqual(out, s.expected, s.name);
    },
  };
}

const joinedOf = (tag: string, count: number) => Array.from({ length: count }, (_, i) => `${tag}:${i}`).join(",");

/** A healthy run of the faults module returns what it should (the executor recovered). */
async function healthyRun(dr: Driver, what: string, tag: string, count: number): Promise<void> {
  checkEqual(await within(RUN_MS, what, dr.execute(["joined"], { inputs: { count, tag } })), { joined: joinedOf(tag, count) }, what);
}

async function faults(executor: TaskExecutor, mode: Mode, adapters: object[] = []): Promise<Driver> {
  return builderFor(executor, mode, [faultsModule]).withAdapters(...adapters).build();
}

function failureCases(executor: () => TaskExecutor): SuiteCase[] {
  return (["parallel blocks", "every task"] as const).map((mode) => ({
    group: "failures" as const,
    name: `a node that throws fails the run with a NodeExecutionError naming it and keeping its error; the next run works (${mode})`,
    async run() {
      const dr = await faults(executor(), mode);
      const e = await rejectionOf(within(RUN_MS, "failing run", dr.execute(["joined"], { inputs: { count: 6, tag: "f", fail_at: 3 } })), "failing run");
      checkEqual(e.name, "NodeExecutionError", "error class");
      checkEqual(e.nodeName, "tagged", "nodeName");
      check(typeof e.taskId === "string" && e.taskId.includes("3"), `taskId names the branch: ${String(e.taskId)}`);
      const cause = e.cause as Error | undefined;
      checkEqual(cause?.name, "RangeError", "the cause keeps its class name");
      checkEqual(cause?.message, "tagged failed on f:3", "the cause keeps its message");
      await healthyRun(dr, "the next run", "g", 4);
    },
  }));
}

/** Thousands of quick branches (item batches, where the executor takes them): exact results, and a failing branch named by its own task id. */
function manyBranchesCase(executor: () => TaskExecutor): SuiteCase {
  return {
    group: "failures",
    name: "thousands of quick branches, three runs (an executor may learn to batch them): each result exact; a failing branch among them names its own task id; the next run works",
    async run() {
      const dr = await faults(executor(), "parallel blocks");
      const count = 3_000;
      for (const tag of ["q1", "q2", "q3"]) {
        checkEqual(await within(RUN_MS, `run ${tag}`, dr.execute(["quick_joined"], { inputs: { count, tag } })), { quick_joined: joinedOf(tag, count) }, `run ${tag}`);
      }
      const e = await rejectionOf(within(RUN_MS, "failing run", dr.execute(["quick_joined"], { inputs: { count, tag: "qf", fail_at: 2_345 } })), "failing run");
      checkEqual(e.name, "NodeExecutionError", "error class");
      checkEqual(e.nodeName, "quick", "nodeName");
      check(typeof e.taskId === "string" && /\[2345\]$/.test(e.taskId), `taskId names the branch's own task: ${String(e.taskId)}`);
      checkEqual((e.cause as Error | undefined)?.message, "quick failed on qf:2345", "the cause keeps its message");
      checkEqual(await within(RUN_MS, "the next run", dr.execute(["quick_joined"], { inputs: { count: 5, tag: "q4" } })), { quick_joined: joinedOf("q4", 5) }, "the next run");
    },
  };
}

function abortCases(executor: () => TaskExecutor): SuiteCase[] {
  return [
    {
      group: "abort",
      name: "aborting a run rejects it promptly with an AbortError; a new run right after works",
      async run() {
        const dr = await faults(executor(), "parallel blocks");
        const ctl = new AbortController();
        const run = dr.execute(["joined"], { inputs: { count: 4, tag: "a", sleep_at: 1, sleep_ms: 60_000 }, signal: ctl.signal });
        setTimeout(() => ctl.abort(new Error("stopped by the suite")), 300);
        const e = await rejectionOf(within(ABORT_MS + 300, "aborted run", run), "aborted run");
        checkEqual(e.name, "AbortError", "error name");
        await healthyRun(dr, "the run after the abort", "b", 3);
      },
    },
  ];
}

function concurrencyCase(executor: () => TaskExecutor, runs: number, seed: number): SuiteCase {
  return {
    group: "concurrency",
    name: `${runs} overlapping runs on one driver, some aborted and some failing: the others equal their own results, hooks' runIds never mix (seed ${seed})`,
    async run() {
      const random = seeded(seed * 1000 + runs);
      const tagOfRun = new Map<string, string>();
      const strays: string[] = [];
      const note = (runId: string, tag: string) => {
        const seen = tagOfRun.get(runId);
        if (seen === undefined) tagOfRun.set(runId, tag);
        else if (seen !== tag) strays.push(`run ${runId} saw values of ${tag} and ${seen}`);
      };
      const taskRuns = new Set<string>();
      const hooks = {
        postNodeExecute: (a: PostNodeExecuteArgs) => {
          if (a.nodeName === "tagged" && a.success && typeof a.result === "string") note(a.runId, a.result.split(":")[0]!);
        },
        preTaskExecute: (a: PreTaskExecuteArgs) => void taskRuns.add(a.runId),
      };
      const dr = await faults(executor(), "every task", [hooks]);
      const plans = Array.from({ length: runs }, (_, i) => {
        const roll = random();
        return { tag: `r${i}`, count: 3 + Math.floor(random() * 6), abort: roll < 0.2, fail: roll >= 0.2 && roll < 0.35, abortAfterMs: Math.floor(random() * 40) };
      });
      const outcomes = await within(
        RUN_MS,
        `${runs} overlapping runs`,
        Promise.allSettled(
          plans.map((p) => {
            const ctl = new AbortController();
            if (p.abort) setTimeout(() => ctl.abort(), p.abortAfterMs);
            const inputs = { count: p.count, tag: p.tag, fail_at: p.fail ? p.count - 1 : -1, sleep_at: 0, sleep_ms: 5 + Math.floor(random() * 20) };
            return dr.execute(["joined"], { inputs, signal: ctl.signal });
          }),
        ),
      );
      outcomes.forEach((o, i) => {
        const p = plans[i]!;
        const what = `run ${p.tag} (${p.abort ? "aborted" : p.fail ? "failing" : "plain"}, seed ${seed})`;
        if (o.status === "fulfilled") {
          check(!p.fail, `${what}: a failing run returned`);
          checkEqual(o.value, { joined: joinedOf(p.tag, p.count) }, what);
        } else {
          const e = o.reason as Error & { nodeName?: string };
          if (p.abort) check(e.name === "AbortError" || (p.fail && e.name === "NodeExecutionError"), `${what}: rejected with ${e.name}: ${e.message}`);
          else if (p.fail) check(e.name === "NodeExecutionError" && e.nodeName === "tagged", `${what}: rejected with ${e.name}: ${e.message}`);
          else throw new Error(`${what} failed: ${e.name}: ${e.message}`, { cause: e });
        }
      });
      check(strays.length === 0, `values crossed runs: ${strays.join("; ")}`);
      const tags = [...tagOfRun.values()];
      check(new Set(tags).size === tags.length, `two runIds reported values of one run: ${tags.join(",")}`);
      check(taskRuns.size <= runs, `task hooks saw ${taskRuns.size} runIds for ${runs} runs`);
      // and the executor is still fine
      await healthyRun(dr, "the run after the storm", "after", 5);
    },
  };
}

function nodeEventCases(executor: () => TaskExecutor): SuiteCase[] {
  return [
    {
      group: "node-events",
      name: "node hooks fire in the calling thread for nodes the executor ran, with their task ids",
      async run() {
        const pre: PreNodeExecuteArgs[] = [];
        const post: PostNodeExecuteArgs[] = [];
        const hooks = { preNodeExecute: (a: PreNodeExecuteArgs) => void pre.push(a), postNodeExecute: (a: PostNodeExecuteArgs) => void post.push(a) };
        const dr = await faults(executor(), "parallel blocks", [hooks]);
        await within(RUN_MS, "run with node hooks", dr.execute(["joined"], { inputs: { count: 4, tag: "h", fail_at: 2 } }).catch(() => undefined));
        const posts = post.filter((p) => p.nodeName === "tagged");
        check(posts.length >= 1, "postNodeExecute fired for the branch nodes");
        const failed = posts.find((p) => !p.success);
        check(failed !== undefined && String((failed.error as Error | undefined)?.message).includes("tagged failed on h:2"), "the failed node's post event carries its error");
        for (const p of posts) {
          check(pre.some((x) => x.taskId === p.taskId && x.nodeName === p.nodeName), `pre before post for ${p.taskId}`);
          check(typeof p.durationMs === "number", `post of ${p.taskId} has a duration`);
        }
        check(new Set(posts.map((p) => p.taskId)).size === posts.length, "one task id per branch");
      },
    },
  ];
}

function timeoutCases(executor: () => TaskExecutor): SuiteCase[] {
  return (["parallel blocks", "every task"] as const).map((mode) => ({
    group: "timeouts" as const,
    name: `a node stuck in an endless loop fails with a TimeoutError naming it after its timeoutMs; the next run works (${mode})`,
    async run() {
      const dr = await faults(executor(), mode);
      const e = await rejectionOf(within(RUN_MS, "stuck run", dr.execute(["unstuck"], { inputs: { count: 3, stuck_at: 1 } })), "stuck run");
      checkEqual(e.name, "TimeoutError", "error name");
      checkEqual(e.nodeName, "stuck", "nodeName");
      checkEqual(e.timeoutMs, 1000, "timeoutMs");
      checkEqual(await within(RUN_MS, "next run", dr.execute(["unstuck"], { inputs: { count: 3, stuck_at: -1 } })), { unstuck: 3 }, "the next run");
    },
  }));
}

/**
 * The cases an executor author runs against their executor: the kernel's
 * scenarios under every grouping strategy (for parallel blocks, and for every
 * task), failures, abort, overlapping runs with random aborts and failures,
 * node events and timeouts. Plain data: run them with any test framework, or
 * with `runExecutorSuite`.
 */
export function executorSuite(options: ExecutorSuiteOptions): SuiteCase[] {
  const skip = new Set(options.skip ?? []);
  const ex = options.executor;
  const cases: SuiteCase[] = [];
  for (const mode of ["parallel blocks", "every task"] as const) {
    for (const G of options.groupings ?? groupings) for (const s of scenarios) cases.push(scenarioCase(ex, s, G, mode));
  }
  cases.push(...failureCases(ex), manyBranchesCase(ex), ...abortCases(ex), ...nodeEventCases(ex));
  for (const n of options.concurrentRuns ?? [2, 7, 20]) cases.push(concurrencyCase(ex, n, options.seed ?? 1));
  cases.push(...timeoutCases(ex));
  return cases.filter((c) => !skip.has(c.group));
}

/** The parts of a test framework the suite uses: vitest, jest and node:test all fit. */
export interface TestFramework {
  /** Declares one test; the suite always passes `(name, fn)` (set a generous timeout, e.g. `(n, fn) => test(n, fn, 60_000)`). */
  test(name: string, fn: () => Promise<void>): unknown;
  /** Groups tests (optional). */
  describe?(name: string, fn: () => void): unknown;
}

/**
 * Declare the suite's cases as tests of your framework.
 *
 * @example
 * import { afterAll, describe, test } from "vitest";
 * import { defineExecutorSuite } from "@hamilton-ts/kernel/testing";
 * import { MultiThreadingExecutor } from "@hamilton-ts/executor-threads";
 * const executor = new MultiThreadingExecutor({ maxTasks: 2 });
 * afterAll(() => executor.close());
 * defineExecutorSuite({ test: (name, fn) => test(name, fn, 60_000), describe }, { executor: () => executor });
 */
export function defineExecutorSuite(framework: TestFramework, options: ExecutorSuiteOptions): void {
  const cases = executorSuite(options);
  const byGroup = new Map<SuiteGroup, SuiteCase[]>();
  for (const c of cases) {
    let list = byGroup.get(c.group);
    if (!list) byGroup.set(c.group, (list = []));
    list.push(c);
  }
  for (const [group, list] of byGroup) {
    const declare = () => {
      for (const c of list) framework.test(c.name, () => c.run());
    };
    if (framework.describe) framework.describe(group, declare);
    else declare();
  }
}

/** What `runExecutorSuite` found. */
export interface SuiteReport {
  readonly passed: readonly string[];
  readonly failed: ReadonlyArray<{ readonly name: string; readonly error: unknown }>;
}

/** Run the suite's cases one after the other, without a test framework. */
export async function runExecutorSuite(options: ExecutorSuiteOptions): Promise<SuiteReport> {
  const passed: string[] = [];
  const failed: Array<{ name: string; error: unknown }> = [];
  for (const c of executorSuite(options)) {
    try {
      await c.run();
      passed.push(c.name);
    } catch (error) {
      failed.push({ name: c.name, error });
    }
  }
  return { passed, failed };
}

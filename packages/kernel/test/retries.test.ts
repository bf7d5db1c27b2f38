import { afterEach, describe, expect, test, vi } from "vitest";
import { Builder, Driver, GroupNodesAllAsOne, node, SynchronousLocalTaskExecutor, TimeoutError, type RetryPolicy } from "../src/index.js";
import type { LifecycleAdapter, Task, TaskExecutor } from "../src/contracts.js";
import { TaskRunner } from "../src/remote.js";

const quick: RetryPolicy = { maxAttempts: 3, initialIntervalMs: 1, jitter: false };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Node hooks' attempts per node, and task hooks' (taskId, attempt, success). */
function attempts() {
  const nodes: Array<[string, number | undefined]> = [];
  const tasks: Array<[string, number, boolean | undefined]> = [];
  const adapter: LifecycleAdapter = {
    preNodeExecute: (a) => void nodes.push([a.nodeName, a.attempt]),
    preTaskExecute: (a) => void tasks.push([a.taskId, a.attempt, undefined]),
    postTaskExecute: (a) => void tasks.push([a.taskId, a.attempt, a.success]),
  };
  return { nodes, tasks, adapter };
}

/** A node that fails its first `failures` calls. */
function flaky(failures: number, error: () => unknown = () => new Error("flaky")) {
  let calls = 0;
  const fn = (x: number) => {
    calls++;
    if (calls <= failures) throw error();
    return x * 10;
  };
  return { fn, calls: () => calls };
}

type Make = (mod: Record<string, unknown>, adapters: object[], policy?: RetryPolicy) => Promise<Driver>;
const modes: Array<[string, Make]> = [
  ["classic", (mod, adapters, policy) => {
    const b = new Builder().withModules(mod).withAdapters(...adapters);
    return (policy ? b.withRetryPolicy(policy) : b).build();
  }],
  ["dynamic", (mod, adapters, policy) => {
    const b = new Builder().withModules(mod).withAdapters(...adapters).enableDynamicExecution({ allowExperimentalMode: true });
    return (policy ? b.withRetryPolicy(policy) : b).build();
  }],
];

afterEach(() => void vi.useRealTimers());

describe.each(modes)("retries (%s)", (mode, make) => {
  test("a node's retry runs it again, and every attempt fires node hooks with its attempt", async () => {
    const f = flaky(2);
    const seen = attempts();
    const dr = await make({ a: node(f.fn, { retry: quick }), b: (a: number) => a + 1 }, [seen.adapter]);
    expect(await dr.execute(["b"], { inputs: { x: 1 } })).toEqual({ b: 11 });
    expect(f.calls()).toBe(3);
    expect(seen.nodes).toEqual([["a", 1], ["a", 2], ["a", 3], ["b", 1]]);
    if (mode === "dynamic") {
      expect(seen.tasks).toEqual([["a", 1, undefined], ["a", 1, false], ["a", 2, undefined], ["a", 2, false], ["a", 3, undefined], ["a", 3, true], ["b", 1, undefined], ["b", 1, true]]);
    }
  });

  test("the last failure is the run's error once attempts run out", async () => {
    const f = flaky(5);
    const dr = await make({ a: node(f.fn, { retry: quick }) }, []);
    await expect(dr.execute(["a"], { inputs: { x: 1 } })).rejects.toMatchObject({ name: "NodeExecutionError", nodeName: "a" });
    expect(f.calls()).toBe(3);
  });

  test("withRetryPolicy is every node's default; a node's own retry wins", async () => {
    const a = flaky(1);
    const b = flaky(1);
    const dr = await make({ a: a.fn, b: node(b.fn, { retry: { maxAttempts: 1 } }) }, [], quick);
    expect(await dr.execute(["a"], { inputs: { x: 2 } })).toEqual({ a: 20 });
    expect(a.calls()).toBe(2);
    await expect(dr.execute(["b"], { inputs: { x: 2 } })).rejects.toMatchObject({ nodeName: "b" });
    expect(b.calls()).toBe(1);
  });

  test("retryOn gets the node's own error (its class), and false means no retry", async () => {
    class Permanent extends Error {}
    const got: unknown[] = [];
    const f = flaky(3, () => new Permanent("gone"));
    const retry: RetryPolicy = { ...quick, retryOn: (e) => (got.push(e), !(e instanceof Permanent)) };
    const dr = await make({ a: node(f.fn, { retry }) }, []);
    await expect(dr.execute(["a"], { inputs: { x: 1 } })).rejects.toMatchObject({ nodeName: "a" });
    expect(f.calls()).toBe(1);
    expect(got).toHaveLength(1);
    expect(got[0]).toBeInstanceOf(Permanent);
  });

  test("an abort is never retried", async () => {
    const f = flaky(3, () => Object.assign(new Error("stop"), { name: "AbortError" }));
    const dr = await make({ a: node(f.fn, { retry: quick }) }, []);
    await expect(dr.execute(["a"], { inputs: { x: 1 } })).rejects.toThrow();
    expect(f.calls()).toBe(1);
  });

  test("backoff is honoured: each wait grows by the coefficient", async () => {
    vi.useFakeTimers();
    const f = flaky(2);
    const dr = await make({ a: node(f.fn, { retry: { maxAttempts: 3, initialIntervalMs: 10_000, backoffCoefficient: 2, jitter: false } }) }, []);
    const run = dr.execute(["a"], { inputs: { x: 1 } });
    await vi.advanceTimersByTimeAsync(0);
    expect(f.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(f.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(f.calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(await run).toEqual({ a: 10 });
  });

  test("an abort during the backoff ends the run at once, with no further attempt", async () => {
    const f = flaky(5);
    const dr = await make({ a: node(f.fn, { retry: { maxAttempts: 5, initialIntervalMs: 60_000 } }) }, []);
    const ctl = new AbortController();
    const run = dr.execute(["a"], { inputs: { x: 1 }, signal: ctl.signal });
    await sleep(5);
    expect(f.calls()).toBe(1);
    ctl.abort();
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(f.calls()).toBe(1);
  }, 10_000);
});

describe.each(modes)("timeouts (%s)", (_mode, make) => {
  test("an async node that overruns is abandoned with a TimeoutError naming it", async () => {
    const dr = await make({ a: node(() => new Promise((r) => setTimeout(r, 10_000, 1)), { timeoutMs: 20 }) }, []);
    const err = await dr.execute(["a"]).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(err)).toBe(true);
    expect(err).toMatchObject({ nodeName: "a", timeoutMs: 20 });
    expect((err as Error).message).toMatch(/Node "a" .* timed out after 20 ms/);
  }, 5_000);

  test("a sync node that overran fails with a TimeoutError when it returns", async () => {
    const busy = () => {
      const until = performance.now() + 30;
      while (performance.now() < until);
      return 1;
    };
    const dr = await make({ a: node(busy, { timeoutMs: 5 }) }, []);
    await expect(dr.execute(["a"])).rejects.toMatchObject({ name: "TimeoutError", nodeName: "a" });
  });

  test("a timed-out attempt is retried", async () => {
    let calls = 0;
    const a = node(() => (++calls === 1 ? new Promise((r) => setTimeout(r, 10_000, 0)) : Promise.resolve(calls)), { timeoutMs: 20, retry: quick });
    const seen = attempts();
    const dr = await make({ a }, [seen.adapter]);
    expect(await dr.execute(["a"])).toEqual({ a: 2 });
    expect(seen.nodes).toEqual([["a", 1], ["a", 2]]);
  }, 5_000);

  test("a node on time is not affected", async () => {
    const dr = await make({ a: node(async () => 7, { timeoutMs: 1_000 }) }, []);
    expect(await dr.execute(["a"])).toEqual({ a: 7 });
  });
});

describe("retries in dynamic runs", () => {
  test("a retried task runs again on the same executor, with attempt + 1", async () => {
    const submitted: Array<[string, number]> = [];
    const inner = new SynchronousLocalTaskExecutor();
    const watching: TaskExecutor = {
      specificationVersion: "v1",
      init: () => undefined,
      canSubmitTask: () => inner.canSubmitTask(),
      submitTask: (t: Task) => (submitted.push([t.taskId, t.attempt]), inner.submitTask(t)),
      finalize: () => undefined,
    };
    const f = flaky(1);
    const dr = await new Builder()
      .withModules({ a: node(f.fn, { retry: quick }) })
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withLocalExecutor(watching)
      .build();
    expect(await dr.execute(["a"], { inputs: { x: 3 } })).toEqual({ a: 30 });
    expect(submitted).toEqual([["a", 1], ["a", 2]]);
  });

  test("a retried task of several nodes runs all of its nodes again", async () => {
    let firstRuns = 0;
    const f = flaky(1);
    const dr = await new Builder()
      .withModules({ first: (x: number) => (firstRuns++, x), second: node((first: number) => f.fn(first), { retry: quick }) })
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withGroupingStrategy(new GroupNodesAllAsOne())
      .build();
    expect(await dr.execute(["second"], { inputs: { x: 4 } })).toEqual({ second: 40 });
    expect(firstRuns).toBe(2);
  });
});

describe("invalid retry and timeout options", () => {
  test("are refused when the driver is built, naming the node", async () => {
    expect(() => new Builder().withRetryPolicy({ maxAttempts: 0 })).toThrow(/withRetryPolicy\(\): retry.maxAttempts must be an integer >= 1/);
    await expect(new Builder().withModules({ a: node(() => 1, { retry: { maxAttempts: 2, backoffCoefficient: 0.5 } }) }).build()).rejects.toThrow(/Node "a".*backoffCoefficient/);
    expect(() => new Driver({}, { a: node(() => 1, { timeoutMs: -1 }) })).toThrow(/Node "a".*timeoutMs must be a positive number/);
  });
});

describe("timeouts in a worker's TaskRunner", () => {
  test("an async overrun fails its task without harming the runner", async () => {
    const runner = await TaskRunner.create({ modules: [new URL("./fixtures/timeouts.mjs", import.meta.url)] });
    await expect(runner.run({ runId: "r", taskId: "t1", nodes: ["slow"], inputs: {}, outputs: ["slow"] })).rejects.toMatchObject({ name: "TimeoutError", nodeName: "slow" });
    expect(await runner.run({ runId: "r", taskId: "t2", nodes: ["quick"], inputs: {}, outputs: ["quick"] })).toEqual({ quick: "on time" });
  });
});

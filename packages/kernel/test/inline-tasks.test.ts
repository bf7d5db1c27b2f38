// The in-thread fast path: a synchronous task on the kernel's own in-thread
// executors runs and settles without a promise (task-dispatcher.ts). These
// are its edge cases; everything else about dynamic runs is tested elsewhere
// and goes through the same path (scale.test.ts runs a 100,000-node chain of
// synchronous tasks on Node's default stack).
import { describe, expect, test } from "vitest";
import { Builder, ConcurrentLocalTaskExecutor, collect, node, NodeExecutionError, parallelizable, SynchronousLocalTaskExecutor } from "../src/index.js";
import type { Task } from "../src/contracts.js";

type Mod = Record<string, unknown>;

/** n0 → n1 → … → n{size-1}, each one more than the last, with `at(i)` called as node i runs. */
function chain(size: number, at: (i: number) => void = () => undefined): Mod {
  const mod: Mod = { n0: () => (at(0), 0) };
  for (let i = 1; i < size; i++) mod[`n${i}`] = node((prev: number) => (at(i), prev + 1), { deps: [`n${i - 1}`] });
  return mod;
}

const dynamic = (mod: Mod) => new Builder().withModules(mod).enableDynamicExecution({ allowExperimentalMode: true });

describe("synchronous tasks on the in-thread executors", () => {
  test("a synchronous node that throws fails the run with a NodeExecutionError naming it, whose cause is its own error; later nodes never run", async () => {
    const ran: number[] = [];
    const boom = new Error("boom at 30");
    const mod = chain(60, (i) => {
      ran.push(i);
      if (i === 30) throw boom;
    });
    const dr = await dynamic(mod).build();
    const error = await dr.execute(["n59"]).catch((e: unknown) => e);
    expect(NodeExecutionError.isInstance(error)).toBe(true);
    expect((error as NodeExecutionError).nodeName).toBe("n30");
    expect((error as NodeExecutionError).cause).toBe(boom);
    expect(ran).toEqual(Array.from({ length: 31 }, (_, i) => i));
  });

  test("a synchronous node that fails once is retried (attempt 2) and the run goes on", async () => {
    let calls = 0;
    const mod: Mod = {
      a: () => 1,
      flaky: node(
        (a: number) => {
          if (++calls === 1) throw new Error("first attempt fails");
          return a + 1;
        },
        { deps: ["a"], retry: { maxAttempts: 2, initialIntervalMs: 0, jitter: false } },
      ),
      b: node((flaky: number) => flaky * 10, { deps: ["flaky"] }),
    };
    const attempts: number[] = [];
    const dr = await dynamic(mod)
      .withAdapters({ postTaskExecute: (a: { taskId: string; attempt: number }) => void (a.taskId === "flaky" && attempts.push(a.attempt)) })
      .build();
    expect(await dr.execute(["b"])).toEqual({ b: 20 });
    expect(calls).toBe(2);
    expect(attempts).toEqual([1, 2]);
  });

  test("an abort from inside a synchronous node stops the run: it rejects with an AbortError and no later node runs", async () => {
    const ac = new AbortController();
    const ran: number[] = [];
    const dr = await dynamic(
      chain(3_000, (i) => {
        ran.push(i);
        if (i === 1_500) ac.abort();
      }),
    ).build();
    const error = await dr.execute(["n2999"], { signal: ac.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe("AbortError");
    expect(ran.length).toBe(1_501);
    // the driver runs again afterwards (the executor's slots were given back)
    expect(await dr.execute(["n10"])).toEqual({ n10: 10 });
  });

  test("node and task hooks fire on the fast path, once per node, in order, with the task's attempt", async () => {
    const log: string[] = [];
    const dr = await dynamic(chain(4))
      .withAdapters({
        preTaskExecute: (a: { taskId: string }) => void log.push(`preTask ${a.taskId}`),
        postTaskExecute: (a: { taskId: string; success: boolean }) => void log.push(`postTask ${a.taskId} ${a.success}`),
        preNodeExecute: (a: { nodeName: string; attempt: number }) => void log.push(`preNode ${a.nodeName} ${a.attempt}`),
        postNodeExecute: (a: { nodeName: string; result: unknown }) => void log.push(`postNode ${a.nodeName} ${String(a.result)}`),
      })
      .build();
    expect(await dr.execute(["n3"])).toEqual({ n3: 3 });
    const expected: string[] = [];
    for (let i = 0; i < 4; i++) expected.push(`preTask n${i}`, `preNode n${i} 1`, `postNode n${i} ${i}`, `postTask n${i} true`);
    expect(log).toEqual(expected);
  });

  test("a long synchronous run lets a concurrent run's promises in: the other run finishes while it is still going", async () => {
    let progress = 0;
    const mod: Mod = {
      ...chain(10_000, (i) => void (progress = i)),
      // settles after one microtask: only if the synchronous run yields
      seen: async () => {
        await null;
        return progress;
      },
    };
    const dr = await dynamic(mod).withLocalExecutor(new ConcurrentLocalTaskExecutor({ maxTasks: 2 })).build();
    const [long, short] = await Promise.all([dr.execute(["n9999"]), dr.execute(["seen"])]);
    expect(long).toEqual({ n9999: 9_999 });
    expect(short.seen).toBeLessThan(9_999);
  });

  test("an executor that overrides submitTask gets every task through it (no fast path behind its back)", async () => {
    class Counting extends SynchronousLocalTaskExecutor {
      submitted = 0;
      override submitTask(task: Task): Promise<Record<string, unknown>> {
        this.submitted++;
        return super.submitTask(task);
      }
    }
    const executor = new Counting();
    const dr = await dynamic(chain(50)).withLocalExecutor(executor).build();
    expect(await dr.execute(["n49"])).toEqual({ n49: 49 });
    expect(executor.submitted).toBe(50);
  });

  test("map-reduce with synchronous bodies collects every branch in item order, also past the 1,024-task streak", async () => {
    const mod: Mod = {
      items: parallelizable(function* (n: number) {
        for (let i = 0; i < n; i++) yield i;
      }),
      doubled: (items: number) => items * 2,
      all: collect("doubled", (doubled: number[]) => doubled),
    };
    const dr = await dynamic(mod).build();
    const { all } = (await dr.execute(["all"], { inputs: { n: 5_000 } })) as { all: number[] };
    expect(all).toEqual(Array.from({ length: 5_000 }, (_, i) => i * 2));
  });

  test("a branch's synchronous failure names its task (with the item index) and fails the run", async () => {
    const mod: Mod = {
      items: parallelizable(() => [1, 2, 3, 4]),
      each: (items: number) => {
        if (items === 3) throw new Error("three");
        return items;
      },
      all: collect("each", (each: number[]) => each),
    };
    const dr = await dynamic(mod).build();
    const error = (await dr.execute(["all"]).catch((e: unknown) => e)) as NodeExecutionError;
    expect(NodeExecutionError.isInstance(error)).toBe(true);
    expect(error.nodeName).toBe("each");
    expect(error.taskId).toBe("block-items[2]");
  });
});

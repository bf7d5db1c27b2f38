import { describe, expect, test } from "vitest";
import { Builder, collect, ConcurrentLocalTaskExecutor, Driver, parallelizable, SynchronousLocalTaskExecutor } from "../src/index.js";
import type { Task, TaskExecutor } from "../src/contracts.js";
import { TaskDispatcher, type DispatchClient } from "../src/execution/task-dispatcher.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wraps an executor and records the most tasks it ever had in flight. */
class Counting implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  inFlight = 0;
  peak = 0;
  readonly order: string[] = [];
  constructor(private readonly inner: TaskExecutor) {}
  init() {}
  canSubmitTask() {
    return this.inner.canSubmitTask();
  }
  async submitTask(task: Task) {
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    this.order.push(`${String(task.inputs.label ?? "")}`);
    try {
      return await this.inner.submitTask(task);
    } finally {
      this.inFlight--;
    }
  }
  finalize() {}
}

const blocks = {
  items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
  each: async (items: number, label: string, ms: number) => (await sleep(ms), `${label}${items}`),
  all: collect("each", (each: string[]) => each.join(",")),
};

const dynamic = (mod: Record<string, unknown>) => new Builder().withModules(mod).enableDynamicExecution({ allowExperimentalMode: true });

describe("one dispatcher per executor, shared by every run", () => {
  test("two overlapping runs on the default driver both settle (they deadlocked)", async () => {
    const dr = await dynamic({ a: (x: number) => x + 1 }).build();
    expect(await Promise.all([dr.execute(["a"], { inputs: { x: 1 } }), dr.execute(["a"], { inputs: { x: 2 } })])).toEqual([{ a: 2 }, { a: 3 }]);
    const ten = await Promise.all(Array.from({ length: 10 }, (_, x) => dr.execute(["a"], { inputs: { x } })));
    expect(ten).toEqual(Array.from({ length: 10 }, (_, x) => ({ a: x + 1 })));
  });

  test("maxTasks caps tasks in flight across runs and across drivers sharing the executor", async () => {
    const shared = new Counting(new ConcurrentLocalTaskExecutor({ maxTasks: 3 }));
    const one = await dynamic(blocks).withRemoteExecutor(shared).build();
    const two = await dynamic(blocks).withRemoteExecutor(shared).build();
    const runs = Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).execute(["all"], { inputs: { n: 5, label: `r${i}-`, ms: 2 } }));
    const out = await Promise.all(runs);
    expect(out.map((o) => (o as { all: string }).all)).toEqual(Array.from({ length: 8 }, (_, i) => [0, 1, 2, 3, 4].map((k) => `r${i}-${k}`).join(",")));
    expect(shared.peak).toBe(3);
  });

  test("runs take turns: a small run is not starved behind a big one", async () => {
    const executor = new Counting(new SynchronousLocalTaskExecutor());
    const dr = await dynamic(blocks).withRemoteExecutor(executor).build();
    const finished: string[] = [];
    const big = dr.execute(["all"], { inputs: { n: 200, label: "big", ms: 0 } }).then(() => finished.push("big"));
    await sleep(1);
    const small = dr.execute(["all"], { inputs: { n: 3, label: "small", ms: 0 } }).then(() => finished.push("small"));
    await Promise.all([big, small]);
    expect(finished).toEqual(["small", "big"]);
    // the small run's branches ran among the big run's, not after all of them
    const firstSmall = executor.order.indexOf("small");
    expect(firstSmall).toBeGreaterThan(-1);
    expect(firstSmall).toBeLessThan(20);
  });

  test("a run whose task hangs, once aborted, does not hold up the next run", async () => {
    const dr = await dynamic({
      items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      each: (items: number, hang: boolean) => (hang ? new Promise<number>(() => undefined) : items),
      all: collect("each", (each: number[]) => each.length),
    })
      .withRemoteExecutor(new SynchronousLocalTaskExecutor())
      .build();
    const ctl = new AbortController();
    const stuck = dr.execute(["all"], { inputs: { n: 3, hang: true }, signal: ctl.signal });
    await sleep(5);
    ctl.abort();
    await expect(stuck).rejects.toMatchObject({ name: "AbortError" });
    expect(await dr.execute(["all"], { inputs: { n: 4, hang: false } })).toEqual({ all: 4 });
  });

  test("a failed run does not hold up the runs beside it", async () => {
    const dr = await dynamic({
      items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      each: async (items: number, bad: boolean) => {
        await sleep(1);
        if (bad && items === 1) throw new Error("bad branch");
        return items;
      },
      all: collect("each", (each: number[]) => each.length),
    })
      .withRemoteExecutor(new SynchronousLocalTaskExecutor())
      .build();
    const results = await Promise.allSettled([
      dr.execute(["all"], { inputs: { n: 5, bad: true } }),
      dr.execute(["all"], { inputs: { n: 5, bad: false } }),
      dr.execute(["all"], { inputs: { n: 2, bad: false } }),
    ]);
    expect(results[0]).toMatchObject({ status: "rejected", reason: { nodeName: "each" } });
    expect(results.slice(1)).toEqual([
      { status: "fulfilled", value: { all: 5 } },
      { status: "fulfilled", value: { all: 2 } },
    ]);
  });

  test("an executor that refuses work with nothing in flight is asked again", async () => {
    let open = false;
    const inner = new SynchronousLocalTaskExecutor();
    const gated: TaskExecutor = {
      specificationVersion: "v1",
      init: () => undefined,
      canSubmitTask: () => open && inner.canSubmitTask(),
      submitTask: (t) => inner.submitTask(t),
      finalize: () => undefined,
    };
    const dr = await dynamic({ a: () => 1 }).withLocalExecutor(gated).build();
    setTimeout(() => (open = true), 30);
    expect(await dr.execute(["a"])).toEqual({ a: 1 });
  });
});

describe("a client woken while it is asked for a task", () => {
  // a run asked by one executor's dispatcher may run another executor's tasks inline (waking its queues);
  // a completion there can hand the first executor a task before the run answers "none"
  test("is asked again, not dropped from the ring (a run once hung with a task queued and nothing in flight)", async () => {
    const ran: string[] = [];
    const executor: TaskExecutor = { specificationVersion: "v1", init() {}, finalize() {}, canSubmitTask: () => true, submitTask: (t: Task) => t.run() };
    const dispatcher = new TaskDispatcher(executor);
    const queue: Task[] = [];
    const task = { taskId: "late", run: async () => (ran.push("late"), {}) } as unknown as Task;
    let asked = 0;
    const client: DispatchClient = {
      next() {
        asked++;
        if (queue.length > 0) return queue.shift();
        if (asked === 1) {
          // other work, run inline during this call, produced a task for this client and woke it
          queue.push(task);
          dispatcher.wake(client);
        }
        return undefined;
      },
      settled: () => undefined,
    };
    dispatcher.wake(client);
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toEqual(["late"]);
    expect(queue).toEqual([]);
  });
});

describe("the classic path", () => {
  test("overlapping classic runs are isolated", async () => {
    const dr = new Driver({}, {
      a: async (x: number) => (await sleep(x % 3), x * 2),
      b: (a: number, x: number) => a + x,
    });
    const out = await Promise.all(Array.from({ length: 20 }, (_, x) => dr.execute(["b"], { inputs: { x } })));
    expect(out).toEqual(Array.from({ length: 20 }, (_, x) => ({ b: x * 3 })));
  });
});

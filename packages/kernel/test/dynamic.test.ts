import { describe, expect, test } from "vitest";
import { Builder, collect, ConcurrentLocalTaskExecutor, DefaultExecutionManager, GroupNodesIndividually, parallelizable, SynchronousLocalTaskExecutor } from "../src/index.js";
import { type Task, type TaskExecutor } from "../src/contracts.js";

const dynamic = (mod: Record<string, unknown>) => new Builder().withModules(mod).enableDynamicExecution({ allowExperimentalMode: true });

describe("dynamic execution", () => {
  test("each non-repeated node runs once, however many branches use it", async () => {
    const calls: Record<string, number> = {};
    const count = (n: string) => (calls[n] = (calls[n] ?? 0) + 1);
    const dr = await dynamic({
      shared: (seed: number) => (count("shared"), seed * 10),
      items: parallelizable((n: number) => (count("items"), Array.from({ length: n }, (_, i) => i))),
      each: (items: number, shared: number) => (count("each"), items + shared),
      unrelated: (seed: number) => (count("unrelated"), seed),
      total: collect("each", (each: number[], shared: number, unrelated: number) => (count("total"), each.length + shared + unrelated)),
    }).build();
    expect(await dr.execute(["total"], { inputs: { seed: 1, n: 20 } })).toEqual({ total: 31 });
    expect(calls).toEqual({ shared: 1, items: 1, each: 20, unrelated: 1, total: 1 });
  });

  test("iterator expanders are consumed as branches are scheduled, not up front", async () => {
    const events: string[] = [];
    const dr = await dynamic({
      items: parallelizable(function* () {
        for (let i = 0; i < 4; i++) {
          events.push(`yield ${i}`);
          yield { i };
        }
      }),
      each: (items: { i: number }) => (events.push(`run ${items.i}`), items.i),
      all: collect("each", (each: number[]) => each),
    })
      .withRemoteExecutor(new SynchronousLocalTaskExecutor())
      .build();
    expect(await dr.execute(["all"])).toEqual({ all: [0, 1, 2, 3] });
    // objects may be big: never drawn ahead of their branch, even when branches run as item batches
    expect(events).toEqual(["yield 0", "run 0", "yield 1", "run 1", "yield 2", "run 2", "yield 3", "run 3"]);
  });

  test("an iterator of small primitives is drawn at most one item batch ahead of its branches", async () => {
    let yielded = 0;
    let most = 0;
    const dr = await dynamic({
      items: parallelizable(function* (n: number) {
        for (let i = 0; i < n; i++) {
          yielded++;
          yield i;
        }
      }),
      each: (items: number) => {
        most = Math.max(most, yielded - items);
        return items * 2;
      },
      all: collect("each", (each: number[]) => each.length),
    })
      .withRemoteExecutor(new SynchronousLocalTaskExecutor())
      .build();
    expect(await dr.execute(["all"], { inputs: { n: 5000 } })).toEqual({ all: 5000 });
    expect(most).toBeGreaterThan(1); // batched: drawn ahead
    expect(most).toBeLessThanOrEqual(new SynchronousLocalTaskExecutor().itemsPerTask(undefined as never));
  });

  test("a block's intermediate values are released once each branch's collected value exists", async () => {
    // 200 branches × 50 MB would need 10 GB if all were held; the run must stay far below
    const MB = 1024 * 1024;
    let peak = 0;
    const dr = await dynamic({
      items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      big: (items: number) => {
        const buf = new Float64Array((50 * MB) / 8);
        buf.fill(items);
        return buf;
      },
      summed: (big: Float64Array) => {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        return big[0]! + big.length;
      },
      total: collect("summed", (summed: number[]) => summed.length),
    })
      .withGroupingStrategy(new GroupNodesIndividually())
      .build();
    expect(await dr.execute(["total"], { inputs: { n: 200 } })).toEqual({ total: 200 });
    expect(peak).toBeLessThan(2 * 1024 * MB);
  }, 60_000);

  test("an empty expander gives collect []", async () => {
    const dr = await dynamic({
      items: parallelizable(async function* () {}),
      each: (items: number) => items,
      all: collect("each", (each: number[]) => each),
    }).build();
    expect(await dr.execute(["all"])).toEqual({ all: [] });
  });

  test("an expander that returns a non-iterable names the node", async () => {
    const dr = await dynamic({ items: parallelizable(() => 5 as never), each: (items: number) => items, all: collect("each", (each: number[]) => each) }).build();
    await expect(dr.execute(["all"])).rejects.toMatchObject({ name: "NodeExecutionError", nodeName: "items" });
    await expect(dr.execute(["all"])).rejects.toThrow(/must return an array, Iterable or AsyncIterable/);
  });

  test("errors in a branch and in a lazily consumed generator name the node", async () => {
    const dr = await dynamic({
      items: parallelizable(function* () {
        yield 1;
        yield 2;
        yield 3;
      }),
      each: (items: number) => {
        if (items === 2) throw new TypeError("branch broke");
        return items;
      },
      all: collect("each", (each: number[]) => each),
    })
      .withRemoteExecutor(new SynchronousLocalTaskExecutor())
      .build();
    const err = (await dr.execute(["all"]).catch((e: unknown) => e)) as { nodeName: string; taskId: string; cause: Error };
    expect(err).toMatchObject({ nodeName: "each", taskId: "block-items[1]" });
    expect(err.cause.message).toBe("branch broke");
    const dr2 = await dynamic({
      items: parallelizable(function* () {
        yield 1;
        throw new Error("generator broke");
      }),
      each: (items: number) => items,
      all: collect("each", (each: number[]) => each),
    }).build();
    await expect(dr2.execute(["all"])).rejects.toMatchObject({ nodeName: "items" });
  });

  test("abort stops scheduling new tasks and rejects with an AbortError", async () => {
    const ctl = new AbortController();
    let started = 0;
    const dr = await dynamic({
      items: parallelizable(() => Array.from({ length: 1000 }, (_, i) => i)),
      each: async (items: number) => {
        started++;
        if (items === 5) ctl.abort(new Error("user cancelled"));
        await new Promise((r) => setTimeout(r, 5));
        return items;
      },
      all: collect("each", (each: number[]) => each),
    })
      .withRemoteExecutor(new ConcurrentLocalTaskExecutor({ maxTasks: 2 }))
      .build();
    const err = (await dr.execute(["all"], { signal: ctl.signal }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("AbortError");
    expect(err.message).toMatch(/user cancelled/);
    await new Promise((r) => setTimeout(r, 30));
    expect(started).toBeLessThan(10);
  });

  test("tasks see the run's signal, aborted when the run fails", async () => {
    const signals: AbortSignal[] = [];
    class Watching implements TaskExecutor {
      readonly specificationVersion = "v1" as const;
      private inner = new ConcurrentLocalTaskExecutor({ maxTasks: 4 });
      init() {}
      canSubmitTask() {
        return this.inner.canSubmitTask();
      }
      submitTask(task: Task) {
        signals.push(task.signal);
        return this.inner.submitTask(task);
      }
      finalize() {}
    }
    const dr = await dynamic({
      items: parallelizable(() => [1, 2, 3]),
      each: async (items: number) => {
        if (items === 2) throw new Error("x");
        await new Promise((r) => setTimeout(r, 20));
        return items;
      },
      all: collect("each", (each: number[]) => each),
    })
      .withRemoteExecutor(new Watching())
      .build();
    await expect(dr.execute(["all"])).rejects.toThrow();
    expect(signals.length).toBeGreaterThan(0);
    expect(signals.every((s) => s.aborted)).toBe(true);
  });

  test("the execution manager decides per task; parallel blocks go to the remote executor", async () => {
    const seen: Array<[string, string]> = [];
    const tagging = (name: string): TaskExecutor => {
      const inner = new SynchronousLocalTaskExecutor();
      return {
        specificationVersion: "v1",
        init: () => undefined,
        canSubmitTask: () => inner.canSubmitTask(),
        submitTask: (t: Task) => (seen.push([name, t.taskId]), inner.submitTask(t)),
        finalize: () => undefined,
      };
    };
    const dr = await dynamic({
      items: parallelizable(() => [1, 2]),
      each: (items: number) => items,
      all: collect("each", (each: number[]) => each),
    })
      .withExecutionManager(new DefaultExecutionManager({ localExecutor: tagging("local"), remoteExecutor: tagging("remote") }))
      .build();
    await dr.execute(["all"]);
    expect(seen).toEqual([
      ["local", "items"],
      ["remote", "block-items[0]"],
      ["remote", "block-items[1]"],
      ["local", "all"],
    ]);
  });

  test("waiting for tasks costs no CPU", async () => {
    const dr = await dynamic({
      items: parallelizable(() => [1, 2, 3, 4]),
      each: (items: number) => new Promise<number>((r) => setTimeout(() => r(items), 300)),
      all: collect("each", (each: number[]) => each),
    }).build();
    const before = process.cpuUsage();
    const started = performance.now();
    await dr.execute(["all"]);
    const wall = performance.now() - started;
    const cpu = process.cpuUsage(before);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(wall).toBeGreaterThanOrEqual(250);
    // a busy-waiting scheduler would burn ~wall time; an idle one a few ms
    expect(cpuMs).toBeLessThan(wall * 0.3);
  });
});

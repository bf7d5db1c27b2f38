import { availableParallelism } from "node:os";
import { threadId } from "node:worker_threads";
import { afterAll, describe, expect, test } from "vitest";
import { GroupNodesIndividually, SerializationError } from "@hamilton-ts/kernel";
import { type PostNodeExecuteArgs, type PreNodeExecuteArgs } from "@hamilton-ts/kernel/contracts";
import { MultiThreadingExecutor } from "../src/index.js";
import { driverFor, execArgv } from "./helpers.js";

const executor = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
afterAll(() => executor.close());

describe("work distribution", () => {
  test("a CPU-bound block really uses two worker threads", async () => {
    const dr = await driverFor("cpu.mjs", executor);
    const { runs } = (await dr.execute(["runs"], { inputs: { count: 6, work_ms: 120 } })) as { runs: Array<{ item: number; threadId: number }> };
    expect(runs.map((r) => r.item)).toEqual([0, 1, 2, 3, 4, 5]);
    const byThread = new Map<number, number>();
    for (const r of runs) byThread.set(r.threadId, (byThread.get(r.threadId) ?? 0) + 1);
    expect(byThread.has(threadId)).toBe(false); // nothing ran in the calling thread
    expect(byThread.size).toBe(2);
    for (const n of byThread.values()) expect(n).toBeGreaterThanOrEqual(2);
  });

  test("the pool is reused across execute calls and drivers", async () => {
    const a = await driverFor("cpu.mjs", executor);
    const first = (await a.execute(["runs"], { inputs: { count: 4, work_ms: 30 } })) as { runs: Array<{ threadId: number }> };
    const b = await driverFor("cpu.mjs", executor, { grouping: new GroupNodesIndividually() });
    const second = (await b.execute(["runs"], { inputs: { count: 4, work_ms: 30 } })) as { runs: Array<{ threadId: number }> };
    const ids = (x: { runs: Array<{ threadId: number }> }) => new Set(x.runs.map((r) => r.threadId));
    expect([...ids(second)].every((id) => ids(first).has(id))).toBe(true);
    expect(executor.workerCount).toBe(2);
  });

  test("many tiny branches are batched and stay in item order", async () => {
    const dr = await driverFor("trivial.mjs", executor);
    const n = 20_000;
    expect(await dr.execute(["total"], { inputs: { count: n } })).toEqual({ total: (n * (n + 1)) / 2 });
  });
});

describe("node hooks fire in the calling thread for nodes run by workers", () => {
  test("pre and post events with task ids, durations and errors", async () => {
    const pre: PreNodeExecuteArgs[] = [];
    const post: PostNodeExecuteArgs[] = [];
    const hooks = { preNodeExecute: (a: PreNodeExecuteArgs) => void pre.push(a), postNodeExecute: (a: PostNodeExecuteArgs) => void post.push(a) };
    const dr = await driverFor("cpu.mjs", executor, { adapters: [hooks] });
    await dr.execute(["labels"], { inputs: { count: 3, work_ms: 1 } });
    const spunPost = post.filter((p) => p.nodeName === "spun");
    expect(spunPost).toHaveLength(3);
    expect(new Set(spunPost.map((p) => p.taskId)).size).toBe(3);
    for (const p of spunPost) {
      expect(p.success).toBe(true);
      expect(p.taskId).toMatch(/\[\d\]$/);
      expect(typeof p.durationMs).toBe("number");
    }
    // each node's pre comes before its post
    for (const p of spunPost) expect(pre.findIndex((x) => x.taskId === p.taskId && x.nodeName === "spun")).toBeGreaterThanOrEqual(0);
    expect(post.filter((p) => p.nodeName === "label")).toHaveLength(3);
  });

  test("a failing node reports success: false with its error", async () => {
    const post: PostNodeExecuteArgs[] = [];
    const dr = await driverFor("faults.mjs", executor, { adapters: [{ postNodeExecute: (a: PostNodeExecuteArgs) => void post.push(a) }] });
    await expect(dr.execute(["doubled"], { inputs: { count: 3, bad_item: 1, mode: "throw" } })).rejects.toThrow(/node failed on item 1/);
    const failed = post.find((p) => p.nodeName === "risky" && !p.success);
    expect(failed?.taskId).toMatch(/\[1\]$/);
    expect((failed?.error as Error).message).toContain("node failed on item 1");
  });
});

describe("values that cannot cross", () => {
  test.each([
    ["function", /"value".*a function \(makeThing\)/],
    ["class", /"value".*an instance of Point/],
    ["symbol", /"value".*a symbol/],
  ])("a %s returned by a worker is a SerializationError naming the node and the type", async (kind, pattern) => {
    const dr = await driverFor("unsendable.mjs", executor);
    const error = await dr.execute(["values"], { inputs: { kind } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(SerializationError.isInstance(error)).toBe(true);
    expect((error as SerializationError).nodeName).toBe("value");
    expect((error as Error).message).toMatch(pattern);
  });

  test("a function sent to a worker as an input is a SerializationError naming its node", async () => {
    const dr = await driverFor("unsendable.mjs", executor);
    const error = await dr.execute(["fn_used"]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(SerializationError.isInstance(error)).toBe(true);
    expect((error as SerializationError).nodeName).toBe("local_fn");
  });

  test("typed arrays come back intact (their buffers are transferred)", async () => {
    const dr = await driverFor("unsendable.mjs", executor);
    const { values } = (await dr.execute(["values"], { inputs: { kind: "buffer" } })) as { values: Float64Array[] };
    expect(values.map((v) => [...v])).toEqual([
      [0, 0.5],
      [1, 1.5],
    ]);
    expect(values[0]).toBeInstanceOf(Float64Array);
  });
});

describe("build", () => {
  test("a module passed as a namespace object is refused at build() with a hint", async () => {
    const { Builder } = await import("@hamilton-ts/kernel");
    const ns = await import("./fixtures/trivial.mjs");
    await expect(
      new Builder().withModules(ns).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(new MultiThreadingExecutor()).build(),
    ).rejects.toThrow(/URL|location/);
  });

  test("one thread per core by default (os.availableParallelism())", () => {
    expect(new MultiThreadingExecutor().maxTasks).toBe(availableParallelism());
  });

  test("options are checked", () => {
    expect(() => new MultiThreadingExecutor({ maxTasks: 0 })).toThrow(/maxTasks/);
    expect(() => new MultiThreadingExecutor({ chunkSize: 1.5 })).toThrow(/chunkSize/);
  });
});

// Item batches through real worker threads: once the pool has measured a
// block, many of its branches travel as one task; nothing a user sees changes.
import { afterAll, describe, expect, test } from "vitest";
import { NodeExecutionError, type Driver } from "@hamilton-ts/kernel";
import type { Task, TaskSink } from "@hamilton-ts/kernel/contracts";
import { MultiThreadingExecutor } from "../src/index.js";
import { driverFor, execArgv } from "./helpers.js";

/** Counts the item batches it is given. */
class Counting extends MultiThreadingExecutor {
  batches = 0;
  branches = 0;
  override submitTaskTo(task: Task, sink: TaskSink): void {
    if (task.items) this.batches++;
    else if (task.block) this.branches++;
    super.submitTaskTo(task, sink);
  }
}

const executors: Counting[] = [];
const make = (options: ConstructorParameters<typeof MultiThreadingExecutor>[0] = {}) => {
  const ex = new Counting({ maxTasks: 2, execArgv, ...options });
  executors.push(ex);
  return ex;
};
afterAll(() => Promise.all(executors.map((e) => e.close())));

async function failure(run: Promise<unknown>): Promise<NodeExecutionError> {
  const error = await run.then(() => undefined, (e: unknown) => e);
  expect(NodeExecutionError.isInstance(error), `expected a NodeExecutionError, got ${String(error)}`).toBe(true);
  return error as NodeExecutionError;
}

/** Warm the pool up on a block (it measures its branches), then check batches are used. */
async function warm(dr: Driver, ex: Counting, inputs: Record<string, unknown>, final = "doubled") {
  await dr.execute([final], { inputs });
  const before = ex.batches;
  await dr.execute([final], { inputs });
  expect(ex.batches, "the pool sends a measured block's branches in item batches").toBeGreaterThan(before);
}

describe("item batches on worker threads", () => {
  test("values of every kind cross a batch as they would alone, in order", async () => {
    const ex = make();
    const dr = await driverFor("item-values.mjs", ex);
    await warm(dr, ex, { values: Array.from({ length: 3_000 }, (_, i) => i), scale: 2 }, "all");
    const shared = { s: 1 };
    let deep: unknown = { bottom: true };
    for (let i = 0; i < 1_000; i++) deep = [deep]; // the deepest a value may be: a batch must not refuse it
    const values: unknown[] = [
      1, -0, Number.NaN, 2n ** 70n, "text", null, undefined, true,
      new Uint8Array([1, 2, 3]), new Float64Array([0.5, -1]), new Date(5), new Map([[1, { a: 1 }]]), new Set(["x"]),
      [shared, shared], { __hamilton: 1, $codec: "x", kind: "v8" }, Object.assign(Object.create(null), { bare: true }), deep,
      ...Array.from({ length: 300 }, (_, i) => i),
    ];
    const before = ex.batches;
    const out = (await dr.execute(["all"], { inputs: { values, scale: 3 } })).all as Array<{ kind: string; item: unknown; scaled: unknown }>;
    expect(ex.batches).toBeGreaterThan(before);
    expect(out).toHaveLength(values.length);
    out.forEach((o, i) => {
      expect(o.item).toEqual(values[i]);
      expect(o.kind).toBe(Object.prototype.toString.call(values[i]));
      expect(o.scaled).toEqual(typeof values[i] === "number" ? (values[i] as number) * 3 : null);
    });
    const pair = out[13]!.item as [object, object];
    expect(pair[0]).toBe(pair[1]); // sharing inside a value is kept
    expect(Object.getPrototypeOf(out[15]!.item)).toBe(null);
  }, 60_000);

  test("a node that throws inside a batch: the error names the item's task and carries the worker's stack", async () => {
    const ex = make();
    const dr = await driverFor("faults.mjs", ex);
    await warm(dr, ex, { count: 3_000, mode: "none", bad_item: -1 });
    const e = await failure(dr.execute(["doubled"], { inputs: { count: 3_000, mode: "throw", bad_item: 1_777 } }));
    expect(e.nodeName).toBe("risky");
    expect(e.taskId).toBe("block-items[1777]");
    expect((e.cause as Error).stack).toContain("faults.mjs");
    expect(await dr.execute(["doubled"], { inputs: { count: 5, mode: "none", bad_item: -1 } })).toEqual({ doubled: [0, 2, 4, 6, 8] });
  }, 60_000);

  test("a worker that dies inside a batch: the batch's items run again one per task, and the error names the item that killed it", async () => {
    const ex = make();
    const dr = await driverFor("faults.mjs", ex);
    await warm(dr, ex, { count: 3_000, mode: "none", bad_item: -1 });
    const branches = ex.branches;
    const e = await failure(dr.execute(["doubled"], { inputs: { count: 3_000, mode: "exit", bad_item: 1_777 } }));
    expect(e.nodeName).toBe("risky");
    expect(e.taskId).toBe("block-items[1777]");
    expect(e.message).toMatch(/died: it exited with code 3/);
    expect(ex.branches - branches).toBeGreaterThan(1); // the lost batch's items, alone
    // the driver goes on, batching again
    const before = ex.batches;
    expect(((await dr.execute(["doubled"], { inputs: { count: 3_000, mode: "none", bad_item: -1 } })).doubled as number[])[2_999]).toBe(5_998);
    expect(ex.batches).toBeGreaterThan(before);
  }, 60_000);

  test("itemsPerTask: 1 turns batches off; a task timeout does too (each branch keeps its own clock)", async () => {
    for (const options of [{ itemsPerTask: 1 }, { taskTimeoutMs: 30_000 }]) {
      const ex = make(options);
      const dr = await driverFor("faults.mjs", ex);
      for (let i = 0; i < 3; i++) await dr.execute(["doubled"], { inputs: { count: 2_000, mode: "none", bad_item: -1 } });
      expect(ex.batches, JSON.stringify(options)).toBe(0);
      expect(ex.branches).toBe(6_000);
    }
  }, 60_000);

  test("a run aborted while its batches are in flight rejects promptly with an AbortError; the pool runs the next", async () => {
    const ex = make();
    const dr = await driverFor("faults.mjs", ex);
    await warm(dr, ex, { count: 3_000, mode: "none", bad_item: -1 });
    const ctl = new AbortController();
    const run = dr.execute(["doubled"], { inputs: { count: 400_000, mode: "none", bad_item: -1 }, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 30);
    const t = performance.now();
    const e = await run.then(() => undefined, (x: unknown) => x as Error);
    expect(e?.name).toBe("AbortError");
    expect(performance.now() - t).toBeLessThan(5_000);
    expect(await dr.execute(["doubled"], { inputs: { count: 3, mode: "none", bad_item: -1 } })).toEqual({ doubled: [0, 2, 4] });
  }, 60_000);

  test("concurrent runs on one pool, batched, each get their own results", async () => {
    const ex = make();
    const dr = await driverFor("faults.mjs", ex);
    await warm(dr, ex, { count: 3_000, mode: "none", bad_item: -1 });
    const counts = [0, 1, 257, 1_000, 2_500, 4_000];
    const outs = await Promise.all(counts.map((count) => dr.execute(["doubled"], { inputs: { count, mode: "none", bad_item: -1 } })));
    outs.forEach((o, k) => expect(o.doubled).toEqual(Array.from({ length: counts[k]! }, (_, i) => i * 2)));
  }, 60_000);
});

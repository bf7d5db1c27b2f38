// Item batches: branches of a parallel block sent as one task to executors
// that offer `itemsPerTask`, only where nothing can tell the difference.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  Builder,
  collect,
  GroupNodesIndividually,
  HamiltonError,
  node,
  NodeExecutionError,
  ConcurrentLocalTaskExecutor,
  parallelizable,
  SynchronousLocalTaskExecutor,
} from "../src/index.js";
import type { Task, TaskExecutor } from "../src/contracts.js";
import { itemBatchId, itemTaskId } from "../src/execution/item-batch.js";

interface Seen {
  readonly taskId: string;
  readonly items: Task["items"];
  readonly itemsInput: unknown;
}

/** Runs tasks in this thread, as many branches per task as `per` says; records what it was given. */
class Batching implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  readonly seen: Seen[] = [];
  constructor(
    private readonly per: (task: Task) => number,
    private readonly submit: (task: Task) => Promise<Record<string, unknown>> = (task) => task.run(),
  ) {}
  init() {}
  canSubmitTask() {
    return true;
  }
  itemsPerTask(task: Task) {
    return this.per(task);
  }
  submitTask(task: Task) {
    this.seen.push({ taskId: task.taskId, items: task.items, itemsInput: task.items ? task.inputs[task.items.input] : undefined });
    return this.submit(task);
  }
  finalize() {}
  batches() {
    return this.seen.filter((s) => s.items !== undefined);
  }
}

const mapReduce = (fail?: number) => ({
  items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
  doubled: (items: number, offset: number) => {
    if (items === fail) throw new RangeError(`item ${items} is bad`);
    return items * 2 + offset;
  },
  total: collect("doubled", (doubled: number[]) => doubled.reduce((a, b) => a + b, 0)),
  all: collect("doubled", (doubled: number[]) => doubled),
});

const dynamic = (mod: Record<string, unknown>, executor: TaskExecutor, b = new Builder()) =>
  b.withModules(mod).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(executor).build();

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error("expected the run to fail"); }, (e: unknown) => e as NodeExecutionError);

describe("item batches", () => {
  test("branches go as tasks of many items; each input is an array of the batch's items, the results are the same", async () => {
    const ex = new Batching(() => 100);
    const dr = await dynamic(mapReduce(), ex);
    const out = await dr.execute(["total", "all"], { inputs: { n: 1_050, offset: 1 } });
    expect(out.all).toEqual(Array.from({ length: 1_050 }, (_, i) => i * 2 + 1));
    expect(out.total).toBe(1_050 * 1_049 + 1_050);
    const batches = ex.batches();
    // the first branch goes alone (it shows which executor the block's tasks go to), the rest in batches of 100
    expect(ex.seen.filter((s) => s.taskId === "block-items[0]")).toHaveLength(1);
    expect(batches.map((b) => b.items!.count)).toEqual([...Array(10).fill(100), 49]);
    expect(batches.map((b) => b.taskId)).toEqual(batches.map((b) => itemBatchId("block-items", [], b.items!.first, b.items!.count)));
    for (const b of batches) {
      expect(b.items!.input).toBe("items");
      expect(b.itemsInput).toEqual(Array.from({ length: b.items!.count }, (_, k) => b.items!.first + k));
    }
    // nothing but the batches ran the block
    expect(ex.seen.filter((s) => s.taskId.startsWith("block-items") && !s.items && s.taskId !== "block-items[0]")).toEqual([]);
  });

  test("an executor saying 1 (or nonsense) gets one task per branch", async () => {
    for (const n of [1, 0, -5, Number.NaN, 0.5]) {
      const ex = new Batching(() => n);
      const dr = await dynamic(mapReduce(), ex);
      expect(await dr.execute(["total"], { inputs: { n: 7, offset: 0 } })).toEqual({ total: 42 });
      expect(ex.batches()).toEqual([]);
      expect(ex.seen.filter((s) => s.taskId.startsWith("block-items["))).toHaveLength(7);
    }
  });

  test("a failing item fails the run naming the item's own task id, not the batch's", async () => {
    for (const executor of [new Batching(() => 64), new SynchronousLocalTaskExecutor()]) {
      const dr = await dynamic(mapReduce(777), executor);
      const e = await failure(dr.execute(["total"], { inputs: { n: 1_000, offset: 0 } }));
      expect(NodeExecutionError.isInstance(e)).toBe(true);
      expect(e.nodeName).toBe("doubled");
      expect(e.taskId).toBe("block-items[777]");
      expect((e.cause as Error).message).toBe("item 777 is bad");
    }
  });

  test("a batch that fails as a whole (its worker died) is run again one branch per task, so the failure names its item", async () => {
    // the executor loses any batch holding item 13, as a pool does when the worker running it dies
    const ex = new Batching(
      () => 50,
      (task) => {
        const list = task.items ? (task.inputs[task.items.input] as number[]) : [];
        if (list.includes(13)) return Promise.reject(new NodeExecutionError("doubled", task.taskId, new Error("the worker died")));
        return task.run();
      },
    );
    const dr = await dynamic(mapReduce(13), ex);
    const e = await failure(dr.execute(["total"], { inputs: { n: 200, offset: 0 } }));
    expect(e.taskId).toBe("block-items[13]");
    expect((e.cause as Error).message).toBe("item 13 is bad");
    // and without a bad item the run succeeds: the lost batch's items ran one by one
    const ok = new Batching(ex.itemsPerTask.bind(ex), (task) => {
      const list = task.items ? (task.inputs[task.items.input] as number[]) : [];
      if (list.includes(13)) return Promise.reject(new NodeExecutionError("doubled", task.taskId, new Error("the worker died")));
      return task.run();
    });
    const dr2 = await dynamic(mapReduce(), ok);
    expect(await dr2.execute(["all"], { inputs: { n: 200, offset: 0 } })).toEqual({ all: Array.from({ length: 200 }, (_, i) => i * 2) });
    expect(ok.seen.some((s) => s.taskId === "block-items[13]" && !s.items)).toBe(true);
    // the lost batch was the only one holding item 13; batches sent before it failed went on as batches
    expect(ok.batches().filter((b) => (b.itemsInput as number[]).includes(13))).toHaveLength(1);
    const singles = new Set(ok.seen.filter((s) => !s.items).map((s) => s.taskId));
    for (let i = 1; i <= 50; i++) expect(singles.has(`block-items[${i}]`)).toBe(true);
    expect(singles.has("block-items[51]")).toBe(false);
  });

  test("an executor returning outputs of the wrong shape fails the run with an error naming the batch", async () => {
    const ex = new Batching(
      () => 10,
      async (task) => {
        const out = await task.run();
        return task.items ? { doubled: (out.doubled as unknown[]).slice(1) } : out;
      },
    );
    const dr = await dynamic(mapReduce(), ex);
    const e = await failure(dr.execute(["total"], { inputs: { n: 30, offset: 0 } }));
    expect(HamiltonError.isInstance(e)).toBe(true);
    expect(e.message).toMatch(/"doubled" of item batch block-items\[1\.\.10\] as 9 values, not 10/);
  });

  test("hooks, an adapter, a cache, a node's retry or timeout: every branch stays a task of its own", async () => {
    const cases: Array<[string, (ex: TaskExecutor) => Promise<unknown>]> = [
      ["node hooks", (ex) => dynamic(mapReduce(), ex, new Builder().withAdapters({ preNodeExecute: () => undefined }))],
      ["task hooks", (ex) => dynamic(mapReduce(), ex, new Builder().withAdapters({ postTaskExecute: () => undefined }))],
      ["cache", (ex) => dynamic(mapReduce(), ex, new Builder().withCache())],
      ["retry", (ex) => dynamic({ ...mapReduce(), doubled: node((items: number, offset: number) => items * 2 + offset, { retry: { maxAttempts: 2 } }) }, ex)],
      ["timeout", (ex) => dynamic({ ...mapReduce(), doubled: node((items: number, offset: number) => items * 2 + offset, { timeoutMs: 60_000 }) }, ex)],
    ];
    for (const [name, make] of cases) {
      const ex = new Batching(() => 100);
      const dr = (await make(ex)) as Awaited<ReturnType<typeof dynamic>>;
      expect(await dr.execute(["total"], { inputs: { n: 20, offset: 0 } }), name).toEqual({ total: 380 });
      expect(ex.batches(), name).toEqual([]);
      expect(ex.seen.filter((s) => s.taskId.startsWith("block-items[")), name).toHaveLength(20);
    }
  });

  test("a block of several tasks (nodes grouped one per task) is not batched", async () => {
    const mod = {
      items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      a: (items: number) => items + 1,
      b: (a: number) => a * 10,
      total: collect("b", (b: number[]) => b.reduce((x, y) => x + y, 0)),
    };
    const ex = new Batching(() => 100);
    const dr = await dynamic(mod, ex, new Builder().withGroupingStrategy(new GroupNodesIndividually()));
    expect(await dr.execute(["total"], { inputs: { n: 10 } })).toEqual({ total: 550 });
    expect(ex.batches()).toEqual([]);
  });

  test("a block of several nodes in one task is batched; values between its nodes stay per item", async () => {
    const mod = {
      items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => ({ i }))),
      a: (items: { i: number }) => items.i + 1,
      b: (a: number, items: { i: number }) => `${items.i}:${a * 10}`,
      c: (a: number) => -a,
      bs: collect("b", (b: string[]) => b),
      cs: collect("c", (c: number[]) => c),
    };
    const ex = new Batching(() => 4);
    const dr = await dynamic(mod, ex);
    expect(await dr.execute(["bs", "cs"], { inputs: { n: 10 } })).toEqual({
      bs: Array.from({ length: 10 }, (_, i) => `${i}:${(i + 1) * 10}`),
      cs: Array.from({ length: 10 }, (_, i) => -(i + 1)),
    });
    expect(ex.batches().map((b) => b.items!.count)).toEqual([4, 4]); // after the first branch, alone; a batch of one is a plain branch
  });

  test("nested blocks: the outer block (it expands again) is not batched, the inner one is, with its path in the task id", async () => {
    const mod = {
      rows: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      cells: parallelizable((rows: number) => Array.from({ length: 5 }, (_, j) => rows * 10 + j)),
      cell: (cells: number) => cells * 2,
      rowSum: collect("cell", (cell: number[]) => cell.reduce((a, b) => a + b, 0)),
      sums: collect("rowSum", (rowSum: number[]) => rowSum),
    };
    const ex = new Batching(() => 3);
    const dr = await dynamic(mod, ex);
    expect(await dr.execute(["sums"], { inputs: { n: 4 } })).toEqual({ sums: [0, 1, 2, 3].map((r) => 2 * (r * 50 + 10)) });
    const ids = ex.batches().map((b) => b.taskId);
    expect(ids).toContain("block-cells[2,0..2]");
    expect(ids).toContain("block-cells[2,3..4]");
    expect(ids.every((id) => id.startsWith("block-cells["))).toBe(true);
    expect(itemTaskId("block-cells[2,3..4]", 1)).toBe("block-cells[2,4]");
  });

  test("async nodes in a batch: each item awaited in order; a rejection names its item", async () => {
    const mod = {
      items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      slow: async (items: number) => {
        await new Promise((r) => setTimeout(r, items % 3));
        if (items === 41) throw new Error("forty-one");
        return items * items;
      },
      all: collect("slow", (slow: number[]) => slow),
    };
    const ex = new Batching(() => 16);
    const dr = await dynamic(mod, ex);
    expect(await dr.execute(["all"], { inputs: { n: 40 } })).toEqual({ all: Array.from({ length: 40 }, (_, i) => i * i) });
    expect(ex.batches().length).toBe(3);
    const e = await failure(dr.execute(["all"], { inputs: { n: 60 } }));
    expect(e.taskId).toBe("block-items[41]");
  });

  test("aborting mid-batch stops it: later items of the batch never run", async () => {
    const ctl = new AbortController();
    const ran: number[] = [];
    const mod = {
      items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      work: async (items: number) => {
        ran.push(items);
        if (items === 5) ctl.abort(new Error("enough"));
        await Promise.resolve();
        return items;
      },
      all: collect("work", (work: number[]) => work),
    };
    const dr = await dynamic(mod, new Batching(() => 1_000));
    const e = await failure(dr.execute(["all"], { inputs: { n: 1_000 }, signal: ctl.signal }));
    expect((e as Error).name).toBe("AbortError");
    expect(ran).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test("items keep their identity in this thread: shared and envelope-shaped values pass untouched", async () => {
    const shared = { deep: [1, 2, 3] };
    const values = [shared, shared, { __hamilton: "v8", data: "AAAA" }, { $ref: 0 }, Object.create(null) as object, [shared]];
    const mod = {
      items: parallelizable(() => values),
      same: (items: unknown) => items,
      all: collect("same", (same: unknown[]) => same),
    };
    const ex = new Batching(() => 4);
    const dr = await dynamic(mod, ex);
    const out = (await dr.execute(["all"])).all as unknown[];
    expect(out).toHaveLength(values.length);
    out.forEach((v, i) => expect(v).toBe(values[i]));
    expect(ex.batches().map((b) => b.items)).toEqual([{ input: "items", first: 1, count: 4 }]);
  });

  test("concurrent runs on one driver each get their own results", async () => {
    const ex = new Batching(() => 37);
    const dr = await dynamic(mapReduce(), ex);
    const ns = [0, 1, 36, 37, 38, 500, 1_000];
    const outs = await Promise.all(ns.map((n, k) => dr.execute(["all"], { inputs: { n, offset: k } })));
    outs.forEach((o, k) => expect(o.all).toEqual(Array.from({ length: ns[k]! }, (_, i) => i * 2 + k)));
  });

  test("property: for any item count, batch sizes (changing as the run goes) and bad item, the result or the culprit is exact", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 400 }),
        fc.array(fc.integer({ min: -2, max: 300 }), { minLength: 1, maxLength: 8 }),
        fc.option(fc.integer({ min: 0, max: 399 }), { nil: undefined }),
        async (n, sizes, bad) => {
          let call = 0;
          const ex = new Batching(() => sizes[call++ % sizes.length]!);
          const dr = await dynamic(mapReduce(bad), ex);
          const run = dr.execute(["all"], { inputs: { n, offset: 3 } });
          if (bad !== undefined && bad < n) {
            const e = await failure(run);
            expect(e.taskId).toBe(`block-items[${bad}]`);
          } else {
            expect((await run).all).toEqual(Array.from({ length: n }, (_, i) => i * 2 + 3));
          }
          for (const b of ex.batches()) expect(b.items!.count).toBeGreaterThan(1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("item batches on ConcurrentLocalTaskExecutor (the default for blocks)", () => {
  /** Records the item batches it ran, and how many branches ran at once at most. */
  class Watching extends ConcurrentLocalTaskExecutor {
    batches: number[] = [];
    override ran(task: Task, sync: boolean): void {
      if (task.items) this.batches.push(task.items.count);
      super.ran(task, sync);
    }
  }

  test("a block whose branches all finish synchronously goes in batches once 32 branches showed it", async () => {
    const ex = new Watching();
    const dr = await dynamic(mapReduce(), ex);
    const out = await dr.execute(["all"], { inputs: { n: 1_000, offset: 0 } });
    expect(out.all).toEqual(Array.from({ length: 1_000 }, (_, i) => i * 2));
    expect(ex.batches.length).toBeGreaterThan(0);
    expect(ex.batches.every((c) => c > 1 && c <= 64)).toBe(true);
    expect(ex.batches.reduce((a, b) => a + b, 0)).toBeGreaterThan(900);
    const e = await failure(dr.execute(["all"], { inputs: { n: 1_000, offset: 0 } }).then(() => dynamic(mapReduce(555), ex)).then((d) => d.execute(["all"], { inputs: { n: 1_000, offset: 0 } })));
    expect(e.taskId).toBe("block-items[555]");
  });

  test("async branches are never batched: they keep running maxTasks at once", async () => {
    let running = 0;
    let peak = 0;
    const mod = {
      items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      fetched: async (items: number) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 1));
        running--;
        return items + 1;
      },
      all: collect("fetched", (fetched: number[]) => fetched),
    };
    const ex = new Watching({ maxTasks: 8 });
    const dr = await dynamic(mod, ex);
    for (let r = 0; r < 3; r++) expect((await dr.execute(["all"], { inputs: { n: 200 } })).all).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(ex.batches).toEqual([]);
    expect(peak).toBe(8);
  });

  test("a block that turns async after many synchronous branches: at most one batch runs one after another, then branches interleave again", async () => {
    let calls = 0;
    let running = 0;
    let peak = 0;
    const mod = {
      items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      cached: (items: number): number | Promise<number> => {
        if (++calls <= 300) return items; // warm cache: synchronous
        running++;
        peak = Math.max(peak, running);
        return new Promise((r) => setTimeout(() => (running--, r(items)), 1));
      },
      all: collect("cached", (cached: number[]) => cached),
    };
    const ex = new Watching({ maxTasks: 8 });
    const dr = await dynamic(mod, ex);
    expect((await dr.execute(["all"], { inputs: { n: 1_000 } })).all).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    const batchesThen = ex.batches.length;
    expect(batchesThen).toBeGreaterThan(0);
    peak = 0;
    expect((await dr.execute(["all"], { inputs: { n: 500 } })).all).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(ex.batches.length).toBe(batchesThen); // no batch since the first promise
    expect(peak).toBe(8);
  });
});

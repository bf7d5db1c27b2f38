// Caching through the real Driver (Builder.withCache): Apache Hamilton's
// caching integration tests (tests/caching/test_integration.py) in our words,
// under the classic executor and dynamic execution, plus what Hamilton lacks:
// resume after failure in a parallel block, overlapping runs, hook events.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Builder } from "../src/driver/builder.js";
import type { Driver } from "../src/driver/driver.js";
import type { CacheOptions, CacheEvent } from "../src/cache/cache-options.js";
import { InMemoryCacheStore, type CacheStore } from "../src/cache/cache-store.js";
import { collect, node, parallelizable } from "../src/node/define.js";
import { ConcurrentLocalTaskExecutor, SynchronousLocalTaskExecutor } from "../src/executors/local-executors.js";
import { NodeExecutionError } from "../src/errors.js";
import { GroupNodesAllAsOne } from "../src/grouping/grouping-strategy.js";

type Mode = "classic" | "dynamic";
const MODES: Mode[] = ["classic", "dynamic"];

/** A driver over `modules` with a cache; `calls` counts node runs by name (the modules push into it). */
async function driver(mode: Mode, modules: object[], options: CacheOptions = {}): Promise<Driver> {
  const b = new Builder().withModules(...(modules as Record<string, unknown>[])).withCache(options);
  if (mode === "dynamic") b.enableDynamicExecution({ allowExperimentalMode: true });
  return b.build();
}

function types(dr: Driver, nodeName: string, runId = dr.cache.lastRunId): string[] {
  return dr.cache.logs({ runId }).filter((e) => e.nodeName === nodeName).map((e) => e.type);
}

describe.each(MODES)("Hamilton's caching integration tests, %s", (mode) => {
  test("a second run with the same code and inputs runs no node: every node a hit", async () => {
    const ran: string[] = [];
    const mod = {
      a: function a(x: number) { ran.push("a"); return { x }; },
      b: function b(a: { x: number }) { ran.push("b"); return a.x + 1; },
    };
    const dr = await driver(mode, [mod]);
    expect(await dr.execute(["b"], { inputs: { x: 1 } })).toEqual({ b: 2 });
    expect(types(dr, "a")).toEqual(["miss", "stored"]);
    ran.length = 0;
    expect(await dr.execute(["a", "b"], { inputs: { x: 1 } })).toEqual({ a: { x: 1 }, b: 2 });
    expect(ran).toEqual([]);
    expect(types(dr, "a")).toEqual(["hit"]);
    expect(types(dr, "b")).toEqual(["hit"]);
    expect(dr.cache.runIds).toHaveLength(2);
  });

  test("a code change recomputes the node (reason: code changed); the same result keeps its dependents hits", async () => {
    const store = new InMemoryCacheStore();
    const ran: string[] = [];
    const v1 = { a: function a(x: number) { ran.push("a"); return x * 2; }, b: function b(a: number) { ran.push("b"); return a + 1; } };
    const v2 = { a: function a(x: number) { ran.push("a"); return x + x; }, b: v1.b };
    await (await driver(mode, [v1], { store })).execute(["b"], { inputs: { x: 3 } });
    ran.length = 0;
    const dr = await driver(mode, [v2], { store });
    expect(await dr.execute(["b"], { inputs: { x: 3 } })).toEqual({ b: 7 });
    expect(ran).toEqual(["a"]);
    const miss = dr.cache.logs().find((e) => e.nodeName === "a" && e.type === "miss")!;
    expect(miss.reason).toBe("code changed");
    expect(types(dr, "b")).toEqual(["hit"]);
  });

  test("a dependency whose result changes recomputes its dependents: 'input a changed'", async () => {
    const store = new InMemoryCacheStore();
    const v1 = { a: function a(x: number) { return x * 2; }, b: function b(a: number) { return a + 1; } };
    const v2 = { a: function a(x: number) { return x * 3; }, b: v1.b };
    await (await driver(mode, [v1], { store })).execute(["b"], { inputs: { x: 3 } });
    const dr = await driver(mode, [v2], { store });
    expect(await dr.execute(["b"], { inputs: { x: 3 } })).toEqual({ b: 10 });
    expect(dr.cache.logs().find((e) => e.nodeName === "b" && e.type === "miss")!.reason).toBe("input a changed");
  });

  test("an override with the node's own value: dependents hit, and the override is never stored", async () => {
    const ran: string[] = [];
    const mod = { a: function a(x: number) { ran.push("a"); return x * 2; }, b: function b(a: number) { ran.push("b"); return a + 1; } };
    const store = new InMemoryCacheStore();
    const dr = await driver(mode, [mod], { store });
    await dr.execute(["b"], { inputs: { x: 3 } });
    const size = store.size;
    ran.length = 0;
    expect(await dr.execute(["b"], { inputs: { x: 3 }, overrides: { a: 6 } })).toEqual({ b: 7 });
    expect(ran).toEqual([]);
    expect(types(dr, "b")).toEqual(["hit"]);
    await dr.execute(["b"], { inputs: { x: 3 }, overrides: { a: 60 } });
    expect(ran).toEqual(["b"]);
    expect(types(dr, "a")).toEqual([]);
    // b under a = 60 was stored (and its explanation); the override itself never is
    expect(store.size).toBeLessThanOrEqual(size + 2);
  });

  test("recompute, disable and ignore behave as Hamilton's", async () => {
    const ran: string[] = [];
    const mod = {
      client: function client() { ran.push("client"); return { send: (s: string) => s }; },
      raw: function raw(x: number) { ran.push("raw"); return x; },
      clean: function clean(raw: number) { ran.push("clean"); return raw + 1; },
      report: function report(clean: number, client: { send: (s: string) => string }) { ran.push("report"); return client.send(`v${clean}`); },
    };
    const dr = await driver(mode, [mod], { recompute: ["raw"], disable: ["clean"], ignore: ["client"] });
    expect(await dr.execute(["report"], { inputs: { x: 1 } })).toEqual({ report: "v2" });
    ran.length = 0;
    await dr.execute(["report"], { inputs: { x: 1 } });
    // raw always runs; clean is uncached (so report, which reads it, misses); client is ignored (always runs, not in report's key)
    expect(ran.sort()).toEqual(["clean", "client", "raw", "report"]);
    expect(types(dr, "raw")).toEqual(["recompute", "stored"]);
    expect(types(dr, "clean")).toEqual(["disabled"]);
    expect(types(dr, "client")).toEqual(["ignored"]);
    expect(types(dr, "report")[0]).toBe("miss");
    expect(dr.cache.logs().find((e) => e.nodeName === "report")!.reason).toMatch(/clean is disabled/);
  });

  test("foo() and foo(3) share a key for foo(external = 3) (Hamilton's consistent cache key with or without a default)", async () => {
    const ran: string[] = [];
    const mod = { foo: function foo(external = 3) { ran.push("foo"); return external * 2; } };
    const dr = await driver(mode, [mod]);
    expect(await dr.execute(["foo"])).toEqual({ foo: 6 });
    expect(await dr.execute(["foo"], { inputs: { external: 3 } })).toEqual({ foo: 6 });
    expect(ran).toEqual(["foo"]);
    expect(await dr.execute(["foo"], { inputs: { external: 4 } })).toEqual({ foo: 8 });
    expect(ran).toEqual(["foo", "foo"]);
  });

  test("a node that throws stores nothing; after the fix the next run computes only it and what needs it", async () => {
    const store = new InMemoryCacheStore();
    const ran: string[] = [];
    const base = { a: function a(x: number) { ran.push("a"); return x + 1; } };
    const broken = { ...base, b: function b(a: number) { ran.push("b"); if (a > 0) throw new Error("boom"); return a; } };
    const fixed = { ...base, b: function b(a: number) { ran.push("b"); return a * 10; } };
    const dr1 = await driver(mode, [broken], { store });
    await expect(dr1.execute(["b"], { inputs: { x: 1 } })).rejects.toThrow(/boom/);
    ran.length = 0;
    const dr2 = await driver(mode, [fixed], { store });
    expect(await dr2.execute(["b"], { inputs: { x: 1 } })).toEqual({ b: 20 });
    expect(ran).toEqual(["b"]);
  });

  test("a hit is a fresh copy: a caller that changes a result does not change the cache", async () => {
    const mod = { a: function a() { return { list: [1, 2] }; } };
    const dr = await driver(mode, [mod]);
    const first = (await dr.execute(["a"])) as { a: { list: number[] } };
    first.a.list.push(3);
    const second = (await dr.execute(["a"])) as { a: { list: number[] } };
    expect(second.a).toEqual({ list: [1, 2] });
    expect(types(dr, "a")).toEqual(["hit"]);
  });

  test("hooks: postCacheEvent sees every event; hit nodes fire no node hooks", async () => {
    const events: CacheEvent[] = [];
    const nodes: string[] = [];
    const mod = { a: function a() { return 1; }, b: function b(a: number) { return a + 1; } };
    const b = new Builder().withModules(mod).withCache().withAdapters({ postCacheEvent: (e: CacheEvent) => events.push(e), postNodeExecute: (a: { nodeName: string }) => nodes.push(a.nodeName) });
    if (mode === "dynamic") b.enableDynamicExecution();
    const dr = await b.build();
    await dr.execute(["b"]);
    expect(nodes.sort()).toEqual(["a", "b"]);
    nodes.length = 0;
    events.length = 0;
    await dr.execute(["b"]);
    expect(nodes).toEqual([]);
    expect(events.map((e) => `${e.nodeName}:${e.type}`).sort()).toEqual(["a:hit", "b:hit"]);
    expect(events.every((e) => e.runId === dr.cache.lastRunId)).toBe(true);
  });
});

describe("without withCache()", () => {
  test("dr.cache is empty and nothing is cached", async () => {
    const ran: string[] = [];
    const dr = await new Builder().withModules({ a: function a() { ran.push("a"); return 1; } }).build();
    await dr.execute(["a"]);
    await dr.execute(["a"]);
    expect(ran).toEqual(["a", "a"]);
    expect(dr.cache.logs()).toEqual([]);
    expect(dr.cache.lastRunId).toBeUndefined();
    expect(dr.cache.runIds).toEqual([]);
  });
});

/** A map-reduce whose branches fail for the items in `broken`. */
function mapReduce(broken: Set<number>, ran: string[]) {
  return {
    items: parallelizable(function items(n: number) { return Array.from({ length: n }, (_, i) => i); }),
    squared: function squared(items: number) {
      ran.push(`squared[${items}]`);
      if (broken.has(items)) throw new Error(`item ${items} is broken`);
      return items * items;
    },
    plus: function plus(squared: number) { return squared + 1; },
    total: collect("plus", function total(plus: number[]) { ran.push("total"); return plus.reduce((a, b) => a + b, 0); }),
  };
}

describe("resume after failure: a block that failed in some branches re-runs only those and the collector", () => {
  const expected = (n: number) => Array.from({ length: n }, (_, i) => i * i + 1).reduce((a, b) => a + b, 0);

  test.each([
    ["SynchronousLocalTaskExecutor", () => new SynchronousLocalTaskExecutor()],
    ["ConcurrentLocalTaskExecutor", () => new ConcurrentLocalTaskExecutor({ maxTasks: 4 })],
  ])("under %s", async (_name, make) => {
    const broken = new Set([3, 500, 998]);
    const ran: string[] = [];
    const dr = await new Builder().withModules(mapReduce(broken, ran)).withCache().enableDynamicExecution().withRemoteExecutor(make()).build();
    const error = (await dr.execute(["total"], { inputs: { n: 1000 } }).catch((e: unknown) => e)) as NodeExecutionError & { errors: unknown[] };
    expect(NodeExecutionError.isInstance(error)).toBe(true);
    // every branch ran (none was cancelled), and every failure is listed
    expect(ran.filter((r) => r.startsWith("squared"))).toHaveLength(1000);
    expect(error.errors.map((e) => (e as NodeExecutionError).taskId).sort()).toEqual(["block-items[3]", "block-items[500]", "block-items[998]"].sort());
    expect(error.message).toMatch(/and 2 more failed tasks/);
    expect(ran).not.toContain("total");
    broken.clear();
    ran.length = 0;
    expect(await dr.execute(["total"], { inputs: { n: 1000 } })).toEqual({ total: expected(1000) });
    expect(ran.sort()).toEqual(["squared[3]", "squared[500]", "squared[998]", "total"].sort());
    const hits = dr.cache.logs().filter((e) => e.type === "hit");
    expect(hits.filter((e) => e.nodeName === "squared")).toHaveLength(997);
    expect(dr.cache.logs().find((e) => e.nodeName === "items")!.type).toBe("recompute");
    await dr.close();
  });

  test("without a cache a failing branch stops the run at once", async () => {
    const ran: string[] = [];
    const dr = await new Builder().withModules(mapReduce(new Set([0]), ran)).enableDynamicExecution().withRemoteExecutor(new SynchronousLocalTaskExecutor()).build();
    const error = await dr.execute(["total"], { inputs: { n: 1000 } }).catch((e: unknown) => e);
    expect(NodeExecutionError.isInstance(error)).toBe(true);
    expect(ran.length).toBeLessThan(10);
  });

  test("branches grouped into one task with the rest (GroupNodesAllAsOne) still cache per node", async () => {
    const ran: string[] = [];
    const mod = { a: function a(x: number) { ran.push("a"); return x + 1; }, b: function b(a: number) { ran.push("b"); return a * 2; } };
    const dr = await new Builder().withModules(mod).withCache().enableDynamicExecution().withGroupingStrategy(new GroupNodesAllAsOne()).build();
    await dr.execute(["b"], { inputs: { x: 1 } });
    ran.length = 0;
    expect(await dr.execute(["b"], { inputs: { x: 1 } })).toEqual({ b: 4 });
    expect(ran).toEqual([]);
    expect(await dr.execute(["b"], { inputs: { x: 2 } })).toEqual({ b: 6 });
    expect(ran).toEqual(["a", "b"]);
  });
});

describe("overlapping runs on one driver", () => {
  test.each(MODES)("%s: two runs that compute the same node store it once, and both get the right value", async (mode) => {
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const mod = {
      slow: async function slow(x: number) { ran.push("slow"); await gate; return { x }; },
      after: function after(slow: { x: number }) { return slow.x + 1; },
    };
    const store = new InMemoryCacheStore();
    const sets: string[] = [];
    const spy: CacheStore = { specificationVersion: "v1", get: (k) => store.get(k), has: (k) => store.has(k), set: (k, e) => { if (!k.startsWith("explain:")) sets.push(k); return store.set(k, e); } };
    const dr = await driver(mode, [mod], { store: spy });
    const one = dr.execute(["after"], { inputs: { x: 1 } });
    const two = dr.execute(["after", "slow"], { inputs: { x: 1 } });
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect(await one).toEqual({ after: 2 });
    expect(await two).toEqual({ after: 2, slow: { x: 1 } });
    expect(ran).toEqual(["slow"]);
    expect(new Set(sets).size).toBe(sets.length);
  });
});

describe("a cached run always equals an uncached run (property, through the Driver)", () => {
  interface Def { deps: number[]; c: number; object: boolean }
  const moduleOf = (defs: Def[]) => {
    const mod: Record<string, unknown> = {};
    defs.forEach((d, i) => {
      const params = d.deps.map((j) => (j < 0 ? `in${-j - 1}` : `n${j}`));
      const sum = params.map((p) => `(typeof ${p} === "object" ? ${p}.v : ${p})`).join(" + ") || "0";
      const f = new Function(...params, `const v = ((${sum}) * 31 + ${d.c}) % 1000003; return ${d.object ? `{ v, list: [v, ${d.c}] }` : "v"};`);
      Object.defineProperty(f, "name", { value: `n${i}` });
      mod[`n${i}`] = f;
    });
    return mod;
  };
  const pipeline = fc
    .integer({ min: 1, max: 8 })
    .chain((n) =>
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record({ deps: fc.uniqueArray(fc.integer({ min: -2, max: i - 1 }), { maxLength: 3 }), c: fc.integer({ min: 0, max: 5 }), object: fc.boolean() }),
        ),
      ),
    );
  const runs = fc.array(fc.record({ in0: fc.integer({ min: 0, max: 3 }), in1: fc.integer({ min: 0, max: 3 }), edit: fc.option(fc.nat(), { nil: undefined }) }), { minLength: 1, maxLength: 4 });

  test.each(MODES)("%s", async (mode) => {
    await fc.assert(
      fc.asyncProperty(pipeline, runs, async (defs, edits) => {
        const store = new InMemoryCacheStore();
        let current = defs.map((d) => ({ ...d }));
        for (const e of edits) {
          if (e.edit !== undefined) current[e.edit % current.length]!.c += 1; // a code change
          const mod = moduleOf(current);
          const finalVars = Object.keys(mod);
          const inputs = { in0: e.in0, in1: e.in1 };
          const uncached = new Builder().withModules(mod);
          const cached = new Builder().withModules(mod).withCache({ store });
          if (mode === "dynamic") [uncached, cached].forEach((b) => b.enableDynamicExecution());
          const want = await (await uncached.build()).execute(finalVars, { inputs });
          expect(await (await cached.build()).execute(finalVars, { inputs })).toEqual(want);
        }
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});

describe("visualizeExecution colours what the cache answered", () => {
  test("hits blue and labelled, per branch counts in a block", async () => {
    const broken = new Set([1]);
    const dr = await new Builder().withModules(mapReduce(broken, [])).withCache().enableDynamicExecution().build();
    await dr.execute(["total"], { inputs: { n: 4 } }).catch(() => undefined);
    broken.clear();
    await dr.execute(["total"], { inputs: { n: 4 } });
    const dot = dr.visualizeExecution(["total"], { inputs: { n: 4 }, cacheRunId: dr.cache.lastRunId });
    expect(dot).toMatch(/squared\ncache hit 3\/4/);
    expect(dot).toMatch(/plus\ncache hit 3\/4/);
    expect(dot).not.toMatch(/total\ncache hit/);
    expect(dr.visualizeExecution(["total"], { inputs: { n: 4 } })).not.toMatch(/cache hit/);
  });
});

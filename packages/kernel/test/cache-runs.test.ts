// The cache engine under parallel blocks, concurrent runs and failing stores.
import { describe, expect, test } from "vitest";
import { CacheEngine } from "../src/cache/cache-engine.js";
import { InMemoryCacheStore, type CacheEntry, type CacheStore } from "../src/cache/cache-store.js";
import { registerFingerprint } from "../src/cache/fingerprint-registry.js";
import { registerCodec } from "../src/codec/codec-registry.js";
import { collect, parallelizable } from "../src/node/define.js";
import type { GraphNode } from "../src/graph/function-graph.js";
import { engineOf, eventsOf, graphOf, runCached, runTask } from "./cache-harness.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("parallel blocks: the expander runs, each branch is keyed by its item, the collector by what it collects", () => {
  const broken = new Set<number>();
  const pipeline = {
    n: function n(size: number) { return size; },
    steps: parallelizable(function* steps(n: number) { for (let i = 0; i < n; i++) yield i % 7 === 0 ? { big: i } : i; }),
    squared: function squared(steps: number | { big: number }) {
      const x = typeof steps === "number" ? steps : steps.big;
      if (broken.has(x)) throw new Error(`branch ${x} is broken`);
      return x * x;
    },
    cubed: function cubed(steps: number | { big: number }) { const x = typeof steps === "number" ? steps : steps.big; return x * x * x; },
    both: function both(squared: number, cubed: number) { return squared + cubed; },
    total: collect("both", function total(both: number[]) { return both.reduce((a, b) => a + b, 0); }),
  };
  const graph = graphOf(pipeline);
  const g = (name: string) => graph.get(name)!;
  const branchNodes: GraphNode[] = [g("squared"), g("cubed"), g("both")];

  /** One run, grouped as GroupByRepeatableBlocks does: every branch is one task; a failing branch does not cancel the others. */
  async function run(engine: CacheEngine, size: number, runId: string) {
    const cache = engine.beginRun(runId);
    const env = new Map<string, unknown>([["size", size]]);
    const ran: string[] = [];
    try {
      await runTask(cache, { taskId: "n", nodes: [g("n")], inputs: { size } }, env, ran);
      await runTask(cache, { taskId: "steps", nodes: [g("steps")], inputs: { n: env.get("n") } }, env, ran);
      const items = [...(env.get("steps") as Iterable<unknown>)];
      const branchValues: unknown[] = new Array(items.length);
      const failures: unknown[] = [];
      await Promise.all(
        items.map(async (item, i) => {
          const local = new Map<string, unknown>();
          try {
            await runTask(cache, { taskId: `squared[${i}]`, path: [i], nodes: branchNodes, inputs: { steps: item } }, local, ran);
            branchValues[i] = local.get("both");
          } catch (error) {
            failures.push(error);
          }
        }),
      );
      if (failures.length > 0) throw new AggregateError(failures, `${failures.length} branch(es) failed`);
      await runTask(cache, { taskId: "total", nodes: [g("total")], inputs: { both: branchValues } }, env, ran);
      return { total: env.get("total"), ran };
    } finally {
      await cache.finish();
    }
  }

  test("a second run computes only the expander; a third after 3 of 1,000 branches failed computes those 3 and the collector", async () => {
    const engine = engineOf(graph);
    broken.clear();
    const first = await run(engine, 20, "p1");
    expect(first.ran.filter((r) => r.startsWith("squared"))).toHaveLength(20);
    const second = await run(engine, 20, "p2");
    expect(second.ran).toEqual(["steps"]);
    expect(second.total).toBe(first.total);
    expect(eventsOf(engine, "p2", "steps")).toEqual(["recompute"]);
    expect(eventsOf(engine, "p2", "total")).toEqual(["hit"]);

    const big = engineOf(graph);
    broken.add(3).add(500).add(999);
    const failed = await run(big, 1000, "p3").catch((e: AggregateError) => e);
    expect((failed as AggregateError).errors).toHaveLength(3);
    broken.clear();
    const resumed = await run(big, 1000, "p4");
    // a failed task stores nothing: its three nodes run again, in those three branches only
    const rerun = ["squared", "cubed", "both"].flatMap((n) => [3, 500, 999].map((i) => `${n}[${i}]`));
    expect(resumed.ran.sort()).toEqual([...rerun, "steps", "total"].sort());
    const uncached = await run(engineOf(graph), 1000, "p5");
    expect(resumed.total).toBe(uncached.total);
    const reasons = big.logs({ runId: "p4" }).filter((e) => e.type === "miss" && e.nodeName === "squared").map((e) => e.reason);
    expect(reasons).toHaveLength(3);
    for (const r of reasons) expect(r).toMatch(/did not store it/);
  });

  test("a branch whose item changed says 'input steps changed'; the collector misses with 'input both changed'", async () => {
    const engine = engineOf(graph);
    broken.clear();
    await run(engine, 8, "q1");
    const r = await run(engine, 9, "q2");
    expect(r.ran.filter((x) => x.startsWith("squared"))).toEqual(["squared[8]"]);
    const total = engine.logs({ runId: "q2" }).find((e) => e.nodeName === "total")!;
    expect(total).toMatchObject({ type: "miss", reason: "input both changed" });
    expect(engine.logs({ runId: "q2" }).find((e) => e.nodeName === "n")).toMatchObject({ type: "miss", reason: "input size changed" });
  });
});

describe("concurrent runs with one cache", () => {
  class CountingStore implements CacheStore {
    readonly specificationVersion = "v1" as const;
    readonly inner = new InMemoryCacheStore();
    writes = 0;
    constructor(private readonly delayMs = 0) {}
    async get(key: string) {
      if (this.delayMs) await sleep(this.delayMs);
      return this.inner.get(key);
    }
    async set(key: string, entry: CacheEntry) {
      if (!key.startsWith("explain:")) this.writes++;
      return this.inner.set(key, entry);
    }
    has(key: string) {
      return this.inner.has(key);
    }
  }

  test("two overlapping runs computing the same node store it once, run it once, and both get the right value", async () => {
    let calls = 0;
    const mod = {
      slow: async function slow(x: number) { calls++; await sleep(40); return { value: x * 2 }; },
      after: function after(slow: { value: number }) { return slow.value + 1; },
    };
    const graph = graphOf(mod);
    const store = new CountingStore();
    const engine = engineOf(graph, { store });
    const [a, b] = await Promise.all([runCached(engine, graph, ["after"], { inputs: { x: 5 } }), runCached(engine, graph, ["after"], { inputs: { x: 5 } })]);
    expect(a.outputs).toEqual({ after: 11 });
    expect(b.outputs).toEqual({ after: 11 });
    expect(calls).toBe(1);
    expect(store.writes).toBe(2); // slow and after, once each
    const waited = [...engine.logs({ runId: a.runId }), ...engine.logs({ runId: b.runId })].find((e) => e.nodeName === "slow" && e.type === "hit")!;
    expect(waited.reason).toMatch(/computed by a concurrent run/);
  });

  test("branches of one run with equal items compute the key once", async () => {
    let calls = 0;
    const mod = { sq: async function sq(item: number) { calls++; await sleep(10); return item * item; } };
    const graph = graphOf(mod);
    const engine = engineOf(graph);
    const cache = engine.beginRun("same-items");
    const results = await Promise.all(
      [4, 4, 4, 4].map(async (item, i) => {
        const env = new Map<string, unknown>();
        await runTask(cache, { taskId: `sq[${i}]`, path: [i], nodes: [graph.get("sq")!], inputs: { item } }, env, []);
        return env.get("sq");
      }),
    );
    await cache.finish();
    expect(results).toEqual([16, 16, 16, 16]);
    expect(calls).toBe(1);
    expect(engine.logs({ runId: "same-items" }).filter((e) => e.type === "hit").map((e) => e.reason)[0]).toMatch(/another task of this run/);
  });

  test("a task that already holds a key never waits on another: crossing claims do not deadlock", async () => {
    const mod = { p: async function p() { await sleep(20); return 1; }, q: async function q() { await sleep(20); return 2; } };
    const graph = graphOf(mod);
    const engine = engineOf(graph, { store: new CountingStore(15) });
    const [p, q] = [graph.get("p")!, graph.get("q")!];
    const one = engine.beginRun("one");
    const two = engine.beginRun("two");
    const done = Promise.all([
      runTask(one, { taskId: "pq", nodes: [p, q], inputs: {} }, new Map(), []),
      runTask(two, { taskId: "qp", nodes: [q, p], inputs: {} }, new Map(), []),
    ]);
    const guard = sleep(10_000).then(() => "hung");
    expect(await Promise.race([done.then(() => "done"), guard])).toBe("done");
    await Promise.all([one.finish(), two.finish()]);
  });

  test("a run aborted while it waits on another run's key rejects with AbortError; the other run is unaffected", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const mod = { slow: async function slow() { await gate; return 7; } };
    const graph = graphOf(mod);
    const engine = engineOf(graph);
    const node = graph.get("slow")!;
    const holder = engine.beginRun("holder");
    const holding = runTask(holder, { taskId: "slow", nodes: [node], inputs: {} }, new Map(), []);
    await sleep(5);
    const ctl = new AbortController();
    const waiter = engine.beginRun("waiter", { signal: ctl.signal });
    const waiting = waiter.planTask({ taskId: "slow", nodes: [node], inputs: {} });
    await sleep(5);
    ctl.abort();
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    release();
    await holding;
    await Promise.all([holder.finish(), waiter.finish()]);
    expect(eventsOf(engine, "holder", "slow")).toEqual(["miss", "stored"]);
  });

  test("a run that ends without recording its tasks releases its keys: waiters compute them", async () => {
    const mod = { v: function v() { return 3; } };
    const graph = graphOf(mod);
    const engine = engineOf(graph);
    const node = graph.get("v")!;
    const quitter = engine.beginRun("quitter");
    await quitter.planTask({ taskId: "v", nodes: [node], inputs: {} }); // claims v, then the run is abandoned
    const other = engine.beginRun("other");
    const env = new Map<string, unknown>();
    const ran: string[] = [];
    const p = runTask(other, { taskId: "v", nodes: [node], inputs: {} }, env, ran);
    await sleep(5);
    await quitter.finish();
    await p;
    await other.finish();
    expect(ran).toEqual(["v"]);
    expect(env.get("v")).toBe(3);
  });
});

describe("stores that fail are misses, never wrong values", () => {
  const mod = { a: function a(x: number) { return { x }; }, b: function b(a: { x: number }) { return a.x + 1; } };
  const graph = graphOf(mod);

  class FlakyStore extends InMemoryCacheStore {
    failGet = false;
    failSet = false;
    tamper: ((e: CacheEntry) => CacheEntry) | undefined;
    override async get(key: string) {
      if (this.failGet && !key.startsWith("explain:")) throw new Error("disk on fire");
      const e = await super.get(key);
      return e && this.tamper && !key.startsWith("explain:") ? this.tamper(e) : e;
    }
    override async set(key: string, entry: CacheEntry) {
      if (this.failSet && !key.startsWith("explain:")) throw new Error("disk full");
      return super.set(key, entry);
    }
  }

  test("a read error is a store-error and a miss", async () => {
    const store = new FlakyStore();
    const engine = engineOf(graph, { store });
    await runCached(engine, graph, ["b"], { inputs: { x: 1 } });
    store.failGet = true;
    const r = await runCached(engine, graph, ["b"], { inputs: { x: 1 } });
    expect(r.outputs).toEqual({ b: 2 });
    expect(r.ran).toEqual(["a", "b"]);
    const ev = engine.logs({ runId: r.runId }).filter((e) => e.nodeName === "a");
    expect(ev.map((e) => e.type)).toEqual(["store-error", "miss", "stored"]);
    expect(ev[0]!.reason).toContain("disk on fire");
  });

  test("a write error is a store-error; the run still succeeds", async () => {
    const store = new FlakyStore();
    store.failSet = true;
    const engine = engineOf(graph, { store });
    const r = await runCached(engine, graph, ["b"], { inputs: { x: 1 } });
    expect(r.outputs).toEqual({ b: 2 });
    expect(eventsOf(engine, r.runId, "a")).toEqual(["miss", "store-error"]);
  });

  test("an entry whose value does not match its data version is never returned", async () => {
    const store = new FlakyStore();
    const engine = engineOf(graph, { store });
    await runCached(engine, graph, ["b"], { inputs: { x: 1 } });
    store.tamper = (e) => ({ dataVersion: e.dataVersion, value: { x: 666 } });
    const r = await runCached(engine, graph, ["a", "b"], { inputs: { x: 1 } });
    expect(r.outputs).toEqual({ a: { x: 1 }, b: 2 });
    expect(eventsOf(engine, r.runId, "a")[0]).toBe("store-error");
    expect(engine.logs({ runId: r.runId })[0]!.reason).toMatch(/does not match its data version/);
  });

  test("a codec that does not round-trip a value is caught: a miss, not a wrong value", async () => {
    class Lossy {
      constructor(readonly a: number, readonly b: number) {}
    }
    registerFingerprint({ id: "test/lossy", test: (v): v is Lossy => v instanceof Lossy, fingerprint: (v) => [v.a, v.b] });
    registerCodec({ id: "test/lossy", test: (v): v is Lossy => v instanceof Lossy, encode: (v) => ({ data: v.a }), decode: (d) => new Lossy(d as number, 0) });
    const lossyGraph = graphOf({ make: function make(a: number) { return new Lossy(a, 9); } });
    const engine = engineOf(lossyGraph);
    await runCached(engine, lossyGraph, ["make"], { inputs: { a: 1 } });
    const r = await runCached(engine, lossyGraph, ["make"], { inputs: { a: 1 } });
    expect(r.outputs.make).toEqual(new Lossy(1, 9));
    expect(eventsOf(engine, r.runId, "make")).toEqual(["store-error", "miss", "stored"]);
  });

  test("a fingerprintable value without a codec cannot be stored (store-error), yet keys its dependents", async () => {
    class Opaque {
      constructor(readonly v: number) {}
    }
    registerFingerprint({ id: "test/opaque", test: (v): v is Opaque => v instanceof Opaque, fingerprint: (o) => o.v });
    const g2 = graphOf({ o: function o(v: number) { return new Opaque(v); }, dep: function dep(o: Opaque) { return o.v * 10; } });
    const engine = engineOf(g2);
    const r1 = await runCached(engine, g2, ["dep"], { inputs: { v: 2 } });
    expect(eventsOf(engine, r1.runId, "o")).toEqual(["miss", "store-error"]);
    const r2 = await runCached(engine, g2, ["dep"], { inputs: { v: 2 } });
    expect(r2.ran).toEqual(["o"]);
    expect(r2.outputs).toEqual({ dep: 20 });
  });

  test("a store that declares another contract version is refused", () => {
    expect(() => new CacheEngine(graph, { store: { specificationVersion: "v9" } as unknown as CacheStore })).toThrow(/specificationVersion "v9"/);
  });

  test("plan objects are checked: recording twice or a foreign plan is an error", async () => {
    const engine = engineOf(graph);
    const cache = engine.beginRun("twice");
    const plan = await cache.planTask({ taskId: "a", nodes: [graph.get("a")!], inputs: { x: 1 } });
    cache.recordTask(plan, { a: { x: 1 } });
    expect(() => cache.recordTask(plan, { a: { x: 1 } })).toThrow(/already recorded/);
    expect(() => cache.recordTask({ taskId: "a", hits: new Map(), run: [], record: [] }, {})).toThrow(/plan that planTask returned/);
    await cache.finish();
    expect(() => engine.beginRun("twice")).toThrow(/already started/);
  });
});

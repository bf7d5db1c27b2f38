// The cache engine on its own, driven the way the driver will drive it. Ports
// Apache Hamilton's tests/caching/test_integration.py in our words: code
// changes, dependency changes with the same result, overrides, failing nodes,
// recompute / disable / ignore, defaulted parameters.
import { describe, expect, test } from "vitest";
import { InMemoryCacheStore, type CacheEntry, type CacheStore } from "../src/cache/cache-store.js";
import { node } from "../src/node/define.js";
import { engineOf, eventsOf, graphOf, runCached, type Module } from "./cache-harness.js";

/** A store that counts writes and keys, over the in-memory store. */
class CountingStore implements CacheStore {
  readonly specificationVersion = "v1" as const;
  readonly inner = new InMemoryCacheStore();
  sets: string[] = [];
  get(key: string) {
    return this.inner.get(key);
  }
  set(key: string, entry: CacheEntry) {
    if (!key.startsWith("explain:")) this.sets.push(key);
    return this.inner.set(key, entry);
  }
  has(key: string) {
    return this.inner.has(key);
  }
  /** Result entries (not explanations). */
  get results(): number {
    return new Set(this.sets).size;
  }
}

const A = { A: function A() { return 1; } };
const A_sameResult = { A: function A() { return 1 + 0; } };
const A_otherResult = { A: function A() { return 2; } };
const B = { B: function B(A: number) { return 0 - A; } };
const B_raises = { B: function B(A: number): number { throw new Error(`no ${A}`); } };
const C = { C: function C(B: number) { return B + 1; } };

function setup(store = new CountingStore(), options = {}) {
  const make = (...mods: Module[]) => {
    const graph = graphOf(...mods);
    return { graph, engine: engineOf(graph, { store, ...options }) };
  };
  return { store, make };
}

describe("code and data changes (Hamilton's test_integration)", () => {
  test("same code and inputs: the second run is all hits and runs no node", async () => {
    const { store, make } = setup();
    const { graph, engine } = make(A, B);
    const r1 = await runCached(engine, graph, ["B"]);
    expect(r1.ran).toEqual(["A", "B"]);
    expect(eventsOf(engine, r1.runId, "A")).toEqual(["miss", "stored"]);
    const r2 = await runCached(engine, graph, ["B"]);
    expect(r2.ran).toEqual([]);
    expect(r2.outputs).toEqual({ B: -1 });
    expect(eventsOf(engine, r2.runId, "B")).toEqual(["hit"]);
    expect(store.results).toBe(2);
  });

  test("a code change recomputes the node, even when the result is the same; the reason says so", async () => {
    const { store, make } = setup();
    const one = make(A);
    await runCached(one.engine, one.graph, ["A"]);
    const two = make(A_sameResult);
    const r = await runCached(two.engine, two.graph, ["A"]);
    expect(r.ran).toEqual(["A"]);
    // a new engine (as in a new process) reads the previous key's parts from the store to explain the miss
    expect(two.engine.logs({ runId: r.runId })[0]).toMatchObject({ type: "miss", reason: "code changed" });
    expect(store.results).toBe(2);
    const fresh = setup(new CountingStore()).make(A);
    const r3 = await runCached(fresh.engine, fresh.graph, ["A"]);
    expect(fresh.engine.logs({ runId: r3.runId })[0]).toMatchObject({ type: "miss", reason: "no entry" });
  });

  test("an input change recomputes the node: 'input A changed'", async () => {
    const { make } = setup();
    const { graph, engine } = make(B);
    await runCached(engine, graph, ["B"], { inputs: { A: 1 } });
    const again = await runCached(engine, graph, ["B"], { inputs: { A: 1 } });
    expect(again.ran).toEqual([]);
    const changed = await runCached(engine, graph, ["B"], { inputs: { A: 2 } });
    expect(changed.ran).toEqual(["B"]);
    expect(changed.outputs).toEqual({ B: -2 });
    expect(engine.logs({ runId: changed.runId })[0]).toMatchObject({ nodeName: "B", type: "miss", reason: "input A changed" });
  });

  test("a dependency's code changes but its result does not: the dependent is a hit", async () => {
    const { store, make } = setup();
    const one = make(A, B);
    await runCached(one.engine, one.graph, ["B"]);
    const two = make(A_sameResult, B);
    const r = await runCached(two.engine, two.graph, ["B"]);
    expect(r.ran).toEqual(["A"]);
    expect(eventsOf(two.engine, r.runId, "B")).toEqual(["hit"]);
    expect(store.results).toBe(3);
  });

  test("a dependency's code and result change: the dependent recomputes", async () => {
    const { store, make } = setup();
    const one = make(A, B);
    await runCached(one.engine, one.graph, ["B"]);
    const two = make(A_otherResult, B);
    const r = await runCached(two.engine, two.graph, ["B"]);
    expect(r.ran).toEqual(["A", "B"]);
    expect(r.outputs).toEqual({ B: -2 });
    expect(two.engine.logs({ runId: r.runId }).find((e) => e.nodeName === "B")).toMatchObject({ type: "miss", reason: "input A changed" });
    expect(store.results).toBe(4);
  });

  test("an override with the same value as the node: the dependent is a hit, and the override is not stored", async () => {
    const { store, make } = setup();
    const { graph, engine } = make(A, B);
    await runCached(engine, graph, ["B"]);
    const r = await runCached(engine, graph, ["B"], { overrides: { A: 1 } });
    expect(r.ran).toEqual([]);
    expect(store.results).toBe(2);
  });

  test("an override with another value: the dependent recomputes; the override is fingerprinted, never stored", async () => {
    const { store, make } = setup();
    const { graph, engine } = make(A, B);
    await runCached(engine, graph, ["B"]);
    const r = await runCached(engine, graph, ["B"], { overrides: { A: 13 } });
    expect(r.ran).toEqual(["B"]);
    expect(r.outputs).toEqual({ B: -13 });
    expect(store.results).toBe(3);
    expect(engine.logs({ runId: r.runId }).map((e) => e.nodeName)).not.toContain("A");
  });

  test("a node that raises stores nothing; the next run computes it", async () => {
    const { store, make } = setup();
    const one = make(A, B);
    await runCached(one.engine, one.graph, ["B"]);
    const failing = make(A, B_raises);
    await expect(runCached(failing.engine, failing.graph, ["B"])).rejects.toThrow("no 1");
    expect(store.results).toBe(2);
    const r = await runCached(failing.engine, failing.graph, ["B"]).catch(() => undefined);
    expect(r).toBeUndefined();
    const log = failing.engine.logs();
    expect(log.find((e) => e.nodeName === "A")).toMatchObject({ type: "hit" });
    expect(log.find((e) => e.nodeName === "B")).toMatchObject({ type: "miss" });
    expect(log.find((e) => e.nodeName === "B")!.reason).toMatch(/did not store it/);
  });

  test("a result is stored once under its key, and hits return a fresh copy (a node that changes its input does not change the cache)", async () => {
    const { make } = setup();
    const mod = {
      table: function table() { return { rows: [1, 2] }; },
      mutated: function mutated(table: { rows: number[] }) { table.rows.push(99); return table.rows.length; },
    };
    const { graph, engine } = make(mod);
    const r1 = await runCached(engine, graph, ["mutated", "table"]);
    expect(r1.outputs.table).toEqual({ rows: [1, 2, 99] }); // uncached semantics: the same object
    const r2 = await runCached(engine, graph, ["table"]);
    expect(r2.ran).toEqual([]);
    expect(r2.outputs.table).toEqual({ rows: [1, 2] }); // the value as the node returned it
    (r2.outputs.table as { rows: number[] }).rows.push(7);
    const r3 = await runCached(engine, graph, ["table"]);
    expect(r3.outputs.table).toEqual({ rows: [1, 2] });
  });
});

describe("behaviours: recompute, disable, ignore", () => {
  test("recompute always runs the node, stores it, and its dependents hit when the result is the same", async () => {
    const { store, make } = setup(undefined, { recompute: ["A"] });
    const { graph, engine } = make(A, B);
    await runCached(engine, graph, ["B"]);
    const r = await runCached(engine, graph, ["B"]);
    expect(r.ran).toEqual(["A"]);
    expect(eventsOf(engine, r.runId, "A")).toEqual(["recompute", "stored"]);
    expect(eventsOf(engine, r.runId, "B")).toEqual(["hit"]);
    expect(store.results).toBe(2);
  });

  test("disable: the node runs uncached and its dependents miss (and are not stored); the next level hits", async () => {
    const { store, make } = setup(undefined, { disable: ["A"] });
    const { graph, engine } = make(A, B, C);
    await runCached(engine, graph, ["C"]);
    const r = await runCached(engine, graph, ["C"]);
    expect(r.ran).toEqual(["A", "B"]);
    expect(eventsOf(engine, r.runId, "A")).toEqual(["disabled"]);
    expect(engine.logs({ runId: r.runId }).find((e) => e.nodeName === "B")).toMatchObject({ type: "miss", reason: expect.stringContaining("input A is disabled") });
    expect(eventsOf(engine, r.runId, "C")).toEqual(["hit"]);
    expect(store.results).toBe(1); // only C: A is disabled, B's key cannot be reproduced
  });

  test("ignore: the node always runs, is not stored, and is left out of its dependents' keys", async () => {
    const { store, make } = setup();
    const plain = make(A, B);
    await runCached(plain.engine, plain.graph, ["B"]);
    const ignoring = setup(store, { ignore: ["A"] }).make(A, B);
    const r3 = await runCached(ignoring.engine, ignoring.graph, ["B"]);
    expect(r3.ran).toEqual(["A", "B"]); // B's key changed: A's version left it
    expect(eventsOf(ignoring.engine, r3.runId, "A")).toEqual(["ignored"]);
    const r4 = await runCached(ignoring.engine, ignoring.graph, ["B"]);
    expect(r4.ran).toEqual(["A"]);
    expect(eventsOf(ignoring.engine, r4.runId, "B")).toEqual(["hit"]);
    // A's value no longer matters to B's key: a different A still hits
    const other = setup(store, { ignore: ["A"] }).make(A_otherResult, B);
    const r5 = await runCached(other.engine, other.graph, ["B"]);
    expect(r5.outputs).toEqual({ B: -1 });
    expect(store.results).toBe(3);
  });

  test("ignore may name an input (a client): an unhashable input left out of the key", async () => {
    class Client {
      constructor(readonly url: string) {}
    }
    const mod = { rows: function rows(client: Client, n: number) { return `${client.url}:${n}`; } };
    const { make } = setup(undefined, { ignore: ["client"] });
    const { graph, engine } = make(mod);
    await runCached(engine, graph, ["rows"], { inputs: { client: new Client("a"), n: 1 } });
    const r = await runCached(engine, graph, ["rows"], { inputs: { client: new Client("b"), n: 1 } });
    expect(r.ran).toEqual([]);
    expect(r.outputs).toEqual({ rows: "a:1" });
  });

  test("node settings apply where the builder is silent; the builder's lists win", async () => {
    const mod = {
      a: node(() => 1, { cache: "disable" }),
      b: node(() => 2, { cache: "recompute" }),
      c: node(() => 3, { cache: "disable" }),
    };
    const { graph, engine } = setup(undefined, { recompute: ["c"] }).make(mod);
    const r = await runCached(engine, graph, ["a", "b", "c"]);
    expect(eventsOf(engine, r.runId, "a")).toEqual(["disabled"]);
    expect(eventsOf(engine, r.runId, "b")).toEqual(["recompute", "stored"]);
    expect(eventsOf(engine, r.runId, "c")).toEqual(["recompute", "stored"]);
    expect(engine.logs({ runId: r.runId }).find((e) => e.nodeName === "c")!.reason).toBe("withCache({ recompute })");
  });

  test("defaultBehavior applies to nodes with no setting; recompute: true to every node", async () => {
    const mod = { a: node(() => 1, { cache: "default" }), b: () => 2 };
    const d = setup(undefined, { defaultBehavior: "disable" }).make(mod);
    await runCached(d.engine, d.graph, ["a", "b"]);
    const r = await runCached(d.engine, d.graph, ["a", "b"]);
    expect(r.ran).toEqual(["b"]);
    const all = setup(undefined, { recompute: true }).make(mod);
    const r2 = await runCached(all.engine, all.graph, ["a", "b"]);
    expect(all.engine.logs({ runId: r2.runId }).filter((e) => e.type === "recompute").map((e) => e.nodeName)).toEqual(["a", "b"]);
  });

  test("unknown names, a node in two lists and a bad defaultBehavior are errors naming the culprit", () => {
    const graph = graphOf(A, B);
    expect(() => engineOf(graph, { disable: ["Z"] })).toThrow(/"Z" \(in disable\)/);
    expect(() => engineOf(graph, { disable: ["A"], ignore: ["A"] })).toThrow(/"A" in both disable and ignore/);
    expect(() => engineOf(graph, { defaultBehavior: "ignore" as never })).toThrow(/defaultBehavior/);
    expect(() => engineOf(graph, { recompute: "A" as never })).toThrow(/array/);
    // an input can be ignored, not disabled
    expect(() => engineOf(graphOf(B), { disable: ["A"] })).toThrow(/"A" \(in disable\)/);
    expect(() => engineOf(graphOf(B), { ignore: ["A"] })).not.toThrow();
  });
});

describe("defaulted parameters (Hamilton's test_consistent_cache_key_with_or_without_default_parameter)", () => {
  test("foo() and foo(3) share a key for foo(external_dep = 3)", async () => {
    const mod = { foo: function foo(external_dep = 3) { return external_dep + 1; } };
    const { graph, engine } = setup().make(mod);
    const r1 = await runCached(engine, graph, ["foo"], { inputs: {} });
    expect(r1.outputs).toEqual({ foo: 4 });
    const r2 = await runCached(engine, graph, ["foo"], { inputs: { external_dep: 3 } });
    expect(r2.ran).toEqual([]);
    const key = (runId: string) => engine.logs({ runId }).find((e) => e.nodeName === "foo")!.key;
    expect(key(r2.runId)).toBe(key(r1.runId));
    const r3 = await runCached(engine, graph, ["foo"], { inputs: { external_dep: 4 } });
    expect(r3.ran).toEqual(["foo"]);
    // passing undefined gives the default, in JavaScript and in the key
    const r4 = await runCached(engine, graph, ["foo"], { inputs: { external_dep: undefined } });
    expect(r4.ran).toEqual([]);
  });

  test("a non-literal default is keyed by its source text: never equal to a passed value", async () => {
    const mod = { foo: function foo(xs = [3]) { return xs.length; } };
    const { graph, engine } = setup().make(mod);
    const r1 = await runCached(engine, graph, ["foo"], { inputs: {} });
    const r2 = await runCached(engine, graph, ["foo"], { inputs: { xs: [3] } });
    expect(r2.ran).toEqual(["foo"]);
    const keys = [r1, r2].map((r) => engine.logs({ runId: r.runId }).find((e) => e.nodeName === "foo")!.key);
    expect(keys[0]).not.toBe(keys[1]);
  });

  test("explicit deps map defaults by position", async () => {
    const mod = { foo: node((a: number, b = 10) => a + b, { deps: ["x", "y"] }) };
    const { graph, engine } = setup().make(mod);
    await runCached(engine, graph, ["foo"], { inputs: { x: 1 } });
    const r = await runCached(engine, graph, ["foo"], { inputs: { x: 1, y: 10 } });
    expect(r.ran).toEqual([]);
  });
});

describe("values that cannot be fingerprinted", () => {
  class Model {
    constructor(readonly w: number) {}
  }

  test("an unhashable input: the node runs, is not stored, and says which input; its dependents are keyed by its value", async () => {
    const mod = {
      score: function score(model: Model) { return model.w * 2; },
      report: function report(score: number) { return `score ${score}`; },
    };
    const { store, make } = setup();
    const { graph, engine } = make(mod);
    await runCached(engine, graph, ["report"], { inputs: { model: new Model(1) } });
    const r = await runCached(engine, graph, ["report"], { inputs: { model: new Model(2) } });
    expect(r.outputs).toEqual({ report: "score 4" }); // never the previous model's result
    expect(r.ran).toEqual(["score", "report"]);
    const ev = engine.logs({ runId: r.runId }).find((e) => e.nodeName === "score")!;
    expect(ev.type).toBe("unhashable");
    expect(ev.reason).toMatch(/input model cannot be fingerprinted.*instance of Model.*registerFingerprint/);
    expect(store.results).toBe(2); // report, for each score
  });

  test("an unhashable value: not stored, and the nodes that read it are not cached", async () => {
    const mod = {
      model: function model(w: number) { return new Model(w); },
      score: function score(model: Model) { return model.w * 2; },
    };
    const { store, make } = setup();
    const { graph, engine } = make(mod);
    const r1 = await runCached(engine, graph, ["score"], { inputs: { w: 1 } });
    expect(eventsOf(engine, r1.runId, "model")).toEqual(["miss", "unhashable"]);
    expect(eventsOf(engine, r1.runId, "score")).toEqual(["unhashable"]);
    const r2 = await runCached(engine, graph, ["score"], { inputs: { w: 1 } });
    expect(r2.ran).toEqual(["model", "score"]);
    expect(store.results).toBe(0);
  });

  test("a bound function has no readable source: unhashable unless it has a version", async () => {
    const mod = { a: node(function (this: unknown) { return 1; }.bind(null), { deps: [] }), b: node(function () { return 2; }.bind(null), { deps: [], version: "1" }) };
    const { graph, engine } = setup().make(mod);
    await runCached(engine, graph, ["a", "b"]);
    const r = await runCached(engine, graph, ["a", "b"]);
    expect(r.ran).toEqual(["a"]);
    expect(engine.logs({ runId: r.runId }).find((e) => e.nodeName === "a")!.reason).toMatch(/version/);
  });
});

describe("tasks with several nodes", () => {
  test("hits inside a task are handed to the nodes that still run; a task of hits does not run", async () => {
    const mod1 = { x: () => 1, y: (x: number) => x + 1, z: (y: number) => y * 10 };
    const mod2 = { ...mod1, z: (y: number) => y * 100 };
    const { make } = setup();
    const one = make(mod1);
    await runCached(one.engine, one.graph, ["z"], { grouping: "all" });
    const hits = await runCached(one.engine, one.graph, ["z"], { grouping: "all" });
    expect(hits.ran).toEqual([]);
    const two = make(mod2);
    const r = await runCached(two.engine, two.graph, ["z"], { grouping: "all" });
    expect(r.ran).toEqual(["z"]);
    expect(r.outputs).toEqual({ z: 200 });
  });

  test("a node after a recomputed one in the same task runs with it; an existing entry is not written again", async () => {
    const mod1 = { x: () => 1, y: (x: number) => x + 1 };
    const mod2 = { x: () => 0 + 1, y: (x: number) => x + 1 };
    const { store, make } = setup();
    const one = make(mod1);
    await runCached(one.engine, one.graph, ["y"], { grouping: "all" });
    const two = make(mod2);
    const r = await runCached(two.engine, two.graph, ["y"], { grouping: "all" });
    expect(r.ran).toEqual(["x", "y"]);
    const y = two.engine.logs({ runId: r.runId }).filter((e) => e.nodeName === "y");
    expect(y.map((e) => e.type)).toEqual(["miss"]);
    expect(y[0]!.reason).toMatch(/entry already existed/);
    expect(store.results).toBe(3);
  });
});

describe("logs", () => {
  test("runIds, lastRunId and logs({ runId }) describe recent runs", async () => {
    const { graph, engine } = setup().make(A, B);
    expect(engine.lastRunId).toBeUndefined();
    expect(engine.logs()).toEqual([]);
    const r1 = await runCached(engine, graph, ["B"]);
    const r2 = await runCached(engine, graph, ["B"]);
    expect(engine.runIds).toEqual([r1.runId, r2.runId]);
    expect(engine.lastRunId).toBe(r2.runId);
    expect(engine.logs()).toEqual(engine.logs({ runId: r2.runId }));
    expect(engine.logs({ runId: r1.runId })[0]).toMatchObject({ runId: r1.runId, nodeName: "A", taskId: "A", type: "miss", reason: "no entry" });
    expect(engine.logs({ runId: "nope" })).toEqual([]);
    const copy = engine.logs() as unknown[];
    copy.length = 0;
    expect(engine.logs().length).toBeGreaterThan(0);
  });
});

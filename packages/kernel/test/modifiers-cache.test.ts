// Nodes a modifier makes are cached by the code the user wrote and what the
// modifier adds: a parameterized node's function is the kernel's adapter, so
// keying it by its own source would hit across a changed value() or body.
import { describe, expect, test } from "vitest";
import { InMemoryCacheStore } from "../src/cache/cache-store.js";
import { Builder, extractFields, parameterize, value, type Driver } from "../src/index.js";
import { engineOf, eventsOf, graphOf, runCached } from "./cache-harness.js";

describe("code versions of modifier nodes", () => {
  test("a changed value(), body or fillWith is a miss; the same definition a hit", async () => {
    const store = new InMemoryCacheStore();
    const mod = (k: number, body: (base: number, k: number) => number, fill = 0) => ({
      base: () => 2,
      scaled: parameterize({ scaled_by: { k: value(k) } }, body),
      rec: extractFields(["present", "absent"], () => ({ present: 1 }), { fillWith: fill }),
    });
    const times = (base: number, k: number) => base * k;
    const plus = (base: number, k: number) => base + k;
    const run = async (m: Record<string, unknown>) => {
      const graph = graphOf(m);
      const engine = engineOf(graph, { store });
      const r = await runCached(engine, graph, ["scaled_by", "absent"]);
      return { out: r.outputs, scaled: eventsOf(engine, r.runId, "scaled_by"), absent: eventsOf(engine, r.runId, "absent") };
    };
    const first = await run(mod(2, times));
    expect(first.out).toEqual({ scaled_by: 4, absent: 0 });
    expect((await run(mod(2, times))).scaled).toContain("hit");
    const otherValue = await run(mod(3, times));
    expect(otherValue.out.scaled_by).toBe(6);
    expect(otherValue.scaled).not.toContain("hit");
    const otherBody = await run(mod(3, plus));
    expect(otherBody.out.scaled_by).toBe(5);
    expect(otherBody.scaled).not.toContain("hit");
    const otherFill = await run(mod(3, plus, 9));
    expect(otherFill.out.absent).toBe(9);
    expect(otherFill.absent).not.toContain("hit");
  });
});

describe("parameterize with value(): one cache key per parameterisation", () => {
  const body = (base: number, k: number) => base * k;
  const pipeline = (ks: Record<string, number>) => ({
    base: () => 10,
    scaled: parameterize(Object.fromEntries(Object.entries(ks).map(([name, k]) => [name, { k: value(k) }])), body),
  });
  const build = (ks: Record<string, number>, store: InMemoryCacheStore) => new Builder().withModules(pipeline(ks)).withCache({ store }).build();
  const keysOf = (dr: Driver, type: string) => new Map(dr.cache.logs().filter((e) => e.type === type && e.nodeName !== "base").map((e) => [e.nodeName, e.key!]));

  test("the same body and inputs with different values: distinct keys, each value its own entry", async () => {
    const store = new InMemoryCacheStore();
    const ks = { by_one: 1, by_two: 2, by_one_again: 1 };
    const dr = await build(ks, store);
    expect(await dr.execute(["by_one", "by_two", "by_one_again"])).toEqual({ by_one: 10, by_two: 20, by_one_again: 10 });
    const keys = keysOf(dr, "miss");
    expect([...keys.keys()].sort()).toEqual(["by_one", "by_one_again", "by_two"]);
    expect(new Set(keys.values()).size).toBe(3);
    // a re-run: every parameterisation is a hit under its own key, with its own value
    expect(await dr.execute(["by_one", "by_two", "by_one_again"])).toEqual({ by_one: 10, by_two: 20, by_one_again: 10 });
    expect(keysOf(dr, "hit")).toEqual(keys);
  });

  test("values swapped between two parameterisations: both miss and return the new values, never the other's entry", async () => {
    const store = new InMemoryCacheStore();
    const before = await build({ a: 2, b: 3 }, store);
    expect(await before.execute(["a", "b"])).toEqual({ a: 20, b: 30 });
    const after = await build({ a: 3, b: 2 }, store);
    expect(await after.execute(["a", "b"])).toEqual({ a: 30, b: 20 });
    expect(after.cache.logs().filter((e) => e.nodeName !== "base" && e.type === "hit")).toEqual([]);
    // and the swap back finds the first run's entries again
    const back = await build({ a: 2, b: 3 }, store);
    expect(await back.execute(["a", "b"])).toEqual({ a: 20, b: 30 });
    expect(keysOf(back, "hit")).toEqual(keysOf(before, "miss"));
  });
});

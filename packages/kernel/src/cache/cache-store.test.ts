import { describe, expect, test } from "vitest";
import { InMemoryCacheStore } from "./cache-store.js";

describe("InMemoryCacheStore", () => {
  test("get returns a copy: changing it never changes the store", async () => {
    const store = new InMemoryCacheStore();
    await store.set("k", { dataVersion: "dv", value: { rows: [1, 2] } });
    const a = await store.get("k");
    (a!.value as { rows: number[] }).rows.push(3);
    expect((await store.get("k"))!.value).toEqual({ rows: [1, 2] });
    expect(await store.get("nope")).toBeUndefined();
    expect(await store.has("k")).toBe(true);
    expect(store.size).toBe(1);
  });

  test("maxEntries drops the least recently used entry", async () => {
    const store = new InMemoryCacheStore({ maxEntries: 2 });
    await store.set("a", { dataVersion: "1", value: 1 });
    await store.set("b", { dataVersion: "2", value: 2 });
    await store.get("a");
    await store.set("c", { dataVersion: "3", value: 3 });
    expect(await store.has("a")).toBe(true);
    expect(await store.has("b")).toBe(false);
    expect(await store.has("c")).toBe(true);
    expect(() => new InMemoryCacheStore({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});

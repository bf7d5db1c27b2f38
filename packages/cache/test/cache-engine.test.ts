// FileCacheStore under the kernel's cache engine: results survive the process,
// a corrupt entry is a store-error and a miss, and a cached Arrow table reloads
// from the file without a copy.
import { readdir, rm, mkdtemp, readFile, writeFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CacheEngine } from "@hamilton-ts/kernel/cache";
import { FunctionGraph, nodesFromModules } from "@hamilton-ts/kernel/contracts";
import "@hamilton-ts/results-arrow";
import { makeVector, Table } from "apache-arrow";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { FileCacheStore } from "../src/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hamilton-cache-engine-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const graphOf = (mod: Record<string, unknown>) => new FunctionGraph(nodesFromModules([{ name: "pipeline", exports: mod }], {}));

/** Runs every node of a graph in order, one task per node, through the cache. */
async function run(engine: CacheEngine, graph: FunctionGraph, inputs: Record<string, unknown>, runId: string) {
  const cache = engine.beginRun(runId);
  const env = new Map<string, unknown>(Object.entries(inputs));
  const ran: string[] = [];
  for (const node of graph.order) {
    if (node.isInput) continue;
    const plan = await cache.planTask({ taskId: node.name, nodes: [node], inputs: Object.fromEntries(node.deps.map((d) => [d, env.get(d)])) });
    for (const [k, v] of plan.hits) env.set(k, v);
    if (plan.run.length === 0) continue;
    ran.push(node.name);
    const value = (node.spec!.fn as (...a: unknown[]) => unknown)(...node.deps.map((d) => env.get(d)));
    env.set(node.name, value);
    cache.recordTask(plan, { [node.name]: value });
  }
  await cache.finish();
  return { env, ran, events: engine.logs({ runId }) };
}

describe("FileCacheStore with the cache engine", () => {
  const pipeline = {
    raw: function raw(n: number) { return Array.from({ length: n }, (_, i) => i); },
    total: function total(raw: number[]) { return raw.reduce((a, b) => a + b, 0); },
  };

  test("a second process finds every result: no node runs", async () => {
    const graph = graphOf(pipeline);
    const first = await run(new CacheEngine(graph, { store: new FileCacheStore(dir) }), graph, { n: 10 }, "r1");
    expect(first.ran).toEqual(["raw", "total"]);
    const second = await run(new CacheEngine(graph, { store: new FileCacheStore(dir) }), graph, { n: 10 }, "r2");
    expect(second.ran).toEqual([]);
    expect(second.env.get("total")).toBe(45);
  });

  test("after a code change, a new process explains the miss from the key parts the folder kept", async () => {
    const graph = graphOf(pipeline);
    await run(new CacheEngine(graph, { store: new FileCacheStore(dir) }), graph, { n: 10 }, "r1");
    const changed = graphOf({ ...pipeline, total: function total(raw: number[]) { return raw.reduce((a, b) => a + 2 * b, 0); } });
    const r = await run(new CacheEngine(changed, { store: new FileCacheStore(dir) }), changed, { n: 10 }, "r2");
    expect(r.ran).toEqual(["total"]);
    expect(r.events.find((e) => e.nodeName === "total")).toMatchObject({ type: "miss", reason: "code changed" });
  });

  test("a corrupt entry is a store-error and a miss; the node runs and the entry is rewritten", async () => {
    const graph = graphOf(pipeline);
    const store = new FileCacheStore(dir);
    await run(new CacheEngine(graph, { store }), graph, { n: 10 }, "r1");
    const files = (await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith(".entry"));
    for (const f of files) {
      const bytes = await readFile(join(dir, f));
      await writeFile(join(dir, f), bytes.subarray(0, bytes.length - 3)); // truncate every entry
    }
    const engine = new CacheEngine(graph, { store });
    const r = await run(engine, graph, { n: 10 }, "r2");
    expect(r.ran).toEqual(["raw", "total"]);
    expect(r.env.get("total")).toBe(45);
    const raw = r.events.filter((e) => e.nodeName === "raw").map((e) => e.type);
    expect(raw).toEqual(["store-error", "miss", "stored"]);
    expect(r.events.find((e) => e.type === "store-error")!.reason).toMatch(/corrupt.*truncated/);
    expect((await run(engine, graph, { n: 10 }, "r3")).ran).toEqual([]);
  });

  test("a cached Arrow table reloads from the file without a copy", async () => {
    const graph = graphOf({ table: function table(n: number) { return new Table({ v: makeVector(Float64Array.from({ length: n }, (_, i) => i)) }); } });
    const store = new FileCacheStore(dir);
    await run(new CacheEngine(graph, { store }), graph, { n: 100_000 }, "r1");
    const r = await run(new CacheEngine(graph, { store }), graph, { n: 100_000 }, "r2");
    expect(r.ran).toEqual([]);
    const t = r.env.get("table") as Table;
    const values = t.getChild("v")!.data[0]!.values as Float64Array;
    expect(values[99_999]).toBe(99_999);
    const entry = r.events.find((e) => e.type === "hit")!;
    expect(values.buffer.byteLength).toBe((await stat(store.fileOf(entry.key!))).size);
  });
});

import { Builder, collect, ConcurrentLocalTaskExecutor, parallelizable } from "@hamilton-ts/kernel";
import { describe, expect, it } from "vitest";
import { ProgressAdapter, type ProgressSnapshot } from "./progress-adapter.js";

function sink(isTTY = false) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 120, write: (s: string) => chunks.push(s) }, text: () => chunks.join("") };
}

const mapReduce = {
  n: () => 4,
  item: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
  doubled: (item: number) => item * 2,
  plus_one: (doubled: number) => doubled + 1,
  total: collect("plus_one", (plus_one: number[]) => plus_one.reduce((a, b) => a + b, 0)),
};

// a block inside a block: each outer item opens an inner one of `outer + 1` items
const nested = {
  outer: parallelizable(() => [0, 1, 2]),
  inner: parallelizable((outer: number) => Array.from({ length: outer + 1 }, (_, i) => outer * 10 + i)),
  leaf: (inner: number) => inner,
  per_outer: collect("leaf", (leaf: number[]) => leaf.length),
  all: collect("per_outer", (per_outer: number[]) => per_outer),
};

async function driverWith(module: Record<string, unknown>, progress: ProgressAdapter) {
  const dr = await new Builder()
    .withModules(module)
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withRemoteExecutor(new ConcurrentLocalTaskExecutor({ maxTasks: 3 }))
    .withAdapters(progress)
    .build();
  return progress.attach(dr) && dr;
}

describe("ProgressAdapter", () => {
  it("counts nodes and branches against totals it knows up front", async () => {
    const snaps: ProgressSnapshot[] = [];
    const progress = new ProgressAdapter({ mode: "silent" });
    const dr = await driverWith({ ...mapReduce, plus_one: (doubled: number) => (snaps.push(progress.snapshot()), doubled + 1) }, progress);
    expect(await dr.execute(["total"])).toEqual({ total: 16 });
    const mid = snaps[0]!;
    expect(mid.running).toBe(true);
    expect(mid.nodesTotal).toBe(2 + 4 * 2 + 1);
    expect(mid.totalKnown).toBe(true);
    expect(mid.currentBlock).toMatchObject({ expander: "item", branchesTotal: 4, totalKnown: true });
    const end = progress.snapshot();
    expect(end).toMatchObject({ running: false, nodesDone: 11, nodesTotal: 11, totalKnown: true, nodesFailed: 0 });
    expect(end.blocks).toEqual([expect.objectContaining({ expander: "item", branchesDone: 4, branchesTotal: 4 })]);
    expect(end.timings.find((t) => t.name === "doubled")).toMatchObject({ runs: 4 });
  });

  it("follows nested blocks", async () => {
    const progress = new ProgressAdapter({ mode: "silent" });
    const dr = await driverWith(nested, progress);
    expect(await dr.execute(["all"])).toEqual({ all: [1, 2, 3] });
    const s = progress.snapshot();
    const outer = s.blocks.find((b) => b.expander === "outer")!;
    const inner = s.blocks.find((b) => b.expander === "inner")!;
    expect(outer).toMatchObject({ branchesDone: 3, branchesTotal: 3, totalKnown: true });
    expect(inner).toMatchObject({ branchesDone: 6, branchesTotal: 6, totalKnown: true });
    expect(s.nodesDone).toBe(s.nodesTotal);
    expect(s.totalKnown).toBe(true);
  });

  it("copes with a generator whose length is unknown until it ends", async () => {
    const progress = new ProgressAdapter({ mode: "silent" });
    const gen = { ...mapReduce, item: parallelizable(function* (n: number) { for (let i = 0; i < n; i++) yield i; }) };
    const dr = await driverWith(gen, progress);
    expect(await dr.execute(["total"])).toEqual({ total: 16 });
    expect(progress.snapshot().blocks[0]).toMatchObject({ expander: "item", branchesDone: 4 });
  });

  it("writes plain log lines when the stream is not a terminal", async () => {
    const out = sink(false);
    const dr = await driverWith(mapReduce, new ProgressAdapter({ stream: out.stream }));
    await dr.execute(["total"]);
    const text = out.text();
    expect(text).toContain("[hamilton-ts] run started for total");
    expect(text).toContain("[hamilton-ts] block item: 4 branches");
    expect(text).toMatch(/block item: 4\/4 branches done in/);
    expect(text).toMatch(/✔ total in .* wall · 11 node runs \(4 parallel branches\)/);
    expect(text).not.toContain("\r");
  });

  it("redraws one line on a terminal and ends with the summary", async () => {
    const out = sink(true);
    const slow = { ...mapReduce, doubled: async (item: number) => (await new Promise((r) => setTimeout(r, 30)), item * 2) };
    const dr = await driverWith(slow, new ProgressAdapter({ stream: out.stream, intervalMs: 10 }));
    await dr.execute(["total"]);
    const text = out.text();
    expect(text).toContain("\r\x1b[2K");
    expect(text).toMatch(/\d+\/11 nodes/);
    expect(text).toMatch(/block item \d\/4 branches/);
    expect(text).toMatch(/ETA/);
    expect(text).toMatch(/\x1b\[32m✔\x1b\[0m total in/);
    expect(text).toMatch(/doubled\s+4\s/);
  });

  it("reports a failure with the node's name", async () => {
    const out = sink(false);
    const failing = { ...mapReduce, plus_one: (doubled: number) => { if (doubled === 4) throw new Error("boom"); return doubled; } };
    const dr = await driverWith(failing, new ProgressAdapter({ stream: out.stream }));
    await expect(dr.execute(["total"])).rejects.toThrow(/boom/);
    expect(out.text()).toMatch(/✖ failed at node plus_one after/);
  });
});

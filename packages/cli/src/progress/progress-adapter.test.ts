import { Builder, collect, ConcurrentLocalTaskExecutor, Driver, node, parallelizable } from "@hamilton-ts/kernel";
import type { ExecutorContext, Task, TaskExecutor } from "@hamilton-ts/kernel/contracts";
import { TaskRunner } from "@hamilton-ts/kernel/remote";
import { describe, expect, it } from "vitest";
import { ProgressAdapter, type ProgressSnapshot } from "./progress-adapter.js";

/** A remote executor in this process: a worker's TaskRunner, so only node events come back (no kwargs, no results). */
class InProcessRemote implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  readonly requiresModuleLocations = true;
  private runner: Promise<TaskRunner> | undefined;
  init(context: ExecutorContext) {
    this.runner ??= TaskRunner.create({ modules: context.modules.map((m) => m.location!) });
  }
  canSubmitTask() {
    return true;
  }
  async submitTask(task: Task) {
    const runner = await this.runner!;
    const req = { runId: task.runId, taskId: task.taskId, nodes: task.nodes, inputs: { ...task.inputs }, outputs: task.outputs, expanders: task.expanders };
    return runner.run(req, (event) => task.reportNodeEvent(event));
  }
  finalize() {}
}

const squares = new URL("../../test/fixtures/squares.mjs", import.meta.url);

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
  return dr;
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

  it("works when nodes run elsewhere and only node events come back", async () => {
    const progress = new ProgressAdapter({ mode: "silent" });
    const remote = new InProcessRemote();
    const dr = await new Builder()
      .withModules(squares)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withExecutionManager({ executors: () => [remote], getExecutorFor: () => remote })
      .withAdapters(progress)
      .build();
    expect(await dr.execute(["total"], { inputs: { count: 6 } })).toEqual({ total: 91 });
    expect(progress.snapshot()).toMatchObject({ nodesDone: 9, nodesTotal: 9, totalKnown: true, blocks: [expect.objectContaining({ expander: "item", branchesDone: 6, branchesTotal: 6 })] });
  });

  it("follows classic runs (one task)", async () => {
    const progress = new ProgressAdapter({ mode: "silent" });
    const dr = new Driver({}, { a: (x: number) => x + 1, b: (a: number) => a * 2, c: (b: number) => b }, { adapters: [progress] });
    await dr.execute(["c"], { inputs: { x: 1 } });
    expect(progress.snapshot()).toMatchObject({ running: false, nodesDone: 3, nodesTotal: 3, totalKnown: true, blocks: [] });
  });

  it("off a terminal, a 10,000-node chain writes a handful of lines, not one per node", async () => {
    const out = sink(false);
    const chain: Record<string, unknown> = { n0: () => 0 };
    for (let i = 1; i < 10_000; i++) chain[`n${i}`] = node((prev: number) => prev + 1, { deps: [`n${i - 1}`] });
    const dr = new Driver({}, chain, { adapters: [new ProgressAdapter({ stream: out.stream })] });
    expect(await dr.execute(["n9999"])).toEqual({ n9999: 9999 });
    const lines = out.text().split("\n").filter(Boolean);
    expect(lines.length).toBeLessThan(15);
    expect(lines[0]).toBe("[hamilton-ts] run started for n9999 (10000 nodes in the graph path)");
    expect(out.text()).toMatch(/✔ n9999 in .* wall · 10000 node runs/);
  });

  it("keeps overlapping runs apart", async () => {
    const progress = new ProgressAdapter({ mode: "silent" });
    const runs: string[] = [];
    const dr = await driverWith({ ...mapReduce, n: (size: number) => size }, progress);
    const watch = { preGraphExecute: (a: { runId: string }) => void runs.push(a.runId) };
    const dr2 = await new Builder().withModules({ ...mapReduce, n: (size: number) => size }).enableDynamicExecution({ allowExperimentalMode: true }).withAdapters(watch, progress).build();
    await Promise.all([dr2.execute(["total"], { inputs: { size: 3 } }), dr2.execute(["total"], { inputs: { size: 7 } })]);
    expect(progress.snapshot(runs[0])).toMatchObject({ nodesDone: 2 + 3 * 2 + 1, blocks: [expect.objectContaining({ branchesDone: 3, branchesTotal: 3 })] });
    expect(progress.snapshot(runs[1])).toMatchObject({ nodesDone: 2 + 7 * 2 + 1, blocks: [expect.objectContaining({ branchesDone: 7, branchesTotal: 7 })] });
    expect(await dr.execute(["total"], { inputs: { size: 1 } })).toEqual({ total: 1 });
  });
});

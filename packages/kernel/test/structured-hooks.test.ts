import { describe, expect, test } from "vitest";
import { Builder, collect, Driver, parallelizable } from "../src/index.js";
import type { LifecycleAdapter, PostTaskExpansionArgs, PostTaskGroupingArgs, PreTaskExecuteArgs } from "../src/contracts.js";

function recorder() {
  const grouping: PostTaskGroupingArgs[] = [];
  const expansions: PostTaskExpansionArgs[] = [];
  const tasks: PreTaskExecuteArgs[] = [];
  const adapter: LifecycleAdapter = {
    postTaskGrouping: (a) => void grouping.push(a),
    postTaskExpansion: (a) => void expansions.push(a),
    preTaskExecute: (a) => void tasks.push(a),
  };
  return { grouping, expansions, tasks, adapter };
}

const nested = {
  outer: parallelizable((sizes: number[]) => sizes),
  inner: parallelizable(function* (outer: number) {
    for (let i = 0; i < outer; i++) yield i;
  }),
  leaf: (inner: number, outer: number) => outer * 10 + inner,
  per_outer: collect("leaf", (leaf: number[]) => leaf.length),
  all: collect("per_outer", (per_outer: number[]) => per_outer),
};

const dynamic = (mod: Record<string, unknown>, adapter: object) =>
  new Builder().withModules(mod).enableDynamicExecution({ allowExperimentalMode: true }).withAdapters(adapter).build();

describe("structured hooks", () => {
  test("postTaskGrouping fires once per run, describing every task template", async () => {
    const r = recorder();
    const dr = await dynamic(nested, r.adapter);
    await dr.execute(["all"], { inputs: { sizes: [2, 0, 1] } });
    expect(r.grouping).toHaveLength(1);
    expect(r.grouping[0]!.tasks).toEqual([
      { name: "outer", nodes: ["outer"], frame: [], block: undefined, purpose: "expander" },
      { name: "inner", nodes: ["inner"], frame: ["outer"], block: "outer", purpose: "expander" },
      { name: "block-inner", nodes: ["leaf"], frame: ["outer", "inner"], block: "inner", purpose: "branch" },
      { name: "per_outer", nodes: ["per_outer"], frame: ["outer"], block: "outer", purpose: "collector" },
      { name: "all", nodes: ["all"], frame: [], block: undefined, purpose: "collector" },
    ]);
    await dr.execute(["all"], { inputs: { sizes: [1] } });
    expect(r.grouping).toHaveLength(2);
    expect(r.grouping[1]!.runId).not.toBe(r.grouping[0]!.runId);
  });

  test("postTaskExpansion fires when an expander's items are all known, with its path and count", async () => {
    const r = recorder();
    const dr = await dynamic(nested, r.adapter);
    await dr.execute(["all"], { inputs: { sizes: [2, 0, 1] } });
    const byPath = r.expansions.map(({ taskId, expander, path, items }) => ({ taskId, expander, path, items }));
    expect(byPath).toEqual(
      expect.arrayContaining([
        { taskId: "outer", expander: "outer", path: [], items: 3 },
        { taskId: "inner[0]", expander: "inner", path: [0], items: 2 },
        { taskId: "inner[1]", expander: "inner", path: [1], items: 0 },
        { taskId: "inner[2]", expander: "inner", path: [2], items: 1 },
      ]),
    );
    expect(byPath).toHaveLength(4);
  });

  test("task hooks carry path, block, purpose and attempt", async () => {
    const r = recorder();
    const dr = await dynamic(nested, r.adapter);
    await dr.execute(["all"], { inputs: { sizes: [2, 1] } });
    const leaf = r.tasks.filter((t) => t.block === "inner").map(({ taskId, path, purpose, attempt, nodes }) => ({ taskId, path, purpose, attempt, nodes }));
    expect(leaf).toEqual([
      { taskId: "block-inner[0,0]", path: [0, 0], purpose: "branch", attempt: 1, nodes: ["leaf"] },
      { taskId: "block-inner[0,1]", path: [0, 1], purpose: "branch", attempt: 1, nodes: ["leaf"] },
      { taskId: "block-inner[1,0]", path: [1, 0], purpose: "branch", attempt: 1, nodes: ["leaf"] },
    ]);
    expect(r.tasks.find((t) => t.taskId === "all")).toMatchObject({ path: [], block: undefined, purpose: "collector" });
    expect(r.tasks.find((t) => t.taskId === "per_outer[1]")).toMatchObject({ path: [1], block: "outer", purpose: "collector" });
  });

  test("a requested, an overridden and an empty expander are each reported", async () => {
    const mod = { items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)), each: (items: number) => items, all: collect("each", (each: number[]) => each) };
    const r = recorder();
    const dr = await dynamic(mod, r.adapter);
    await dr.execute(["items", "all"], { inputs: { n: 2 } });
    await dr.execute(["all"], { overrides: { items: [7, 8, 9] } });
    await dr.execute(["all"], { inputs: { n: 0 } });
    expect(r.expansions.map(({ taskId, items }) => [taskId, items])).toEqual([["items", 2], ["items", 3], ["items", 0]]);
  });

  test("the classic executor is one task, `classic`", async () => {
    const r = recorder();
    const dr = new Driver({}, { a: (x: number) => x, b: (a: number) => a }, { adapters: [r.adapter] });
    await dr.execute(["b"], { inputs: { x: 1 } });
    expect(r.grouping.map((g) => g.tasks)).toEqual([[{ name: "classic", nodes: ["a", "b"], frame: [], block: undefined, purpose: "plain" }]]);
    expect(r.tasks).toEqual([{ runId: r.grouping[0]!.runId, taskId: "classic", nodes: ["a", "b"], path: [], block: undefined, purpose: "plain", attempt: 1 }]);
  });

  test("a hook that throws fails the run with its error", async () => {
    const dr = await dynamic(nested, { postTaskExpansion: () => { throw new Error("hook broke"); } });
    await expect(dr.execute(["all"], { inputs: { sizes: [1] } })).rejects.toThrow("hook broke");
  });
});

import { describe, expect, test } from "vitest";
import {
  Builder,
  ConcurrentLocalTaskExecutor,
  GroupByRepeatableBlocks,
  GroupNodesAllAsOne,
  GroupNodesByLevel,
  GroupNodesIndividually,
  SynchronousLocalTaskExecutor,
  type TaskExecutor,
} from "../src/index.js";
// @ts-expect-error plain .mjs module shared with the executor packages
import { scenarios as raw } from "./scenarios/index.mjs";

interface Scenario {
  name: string;
  modules: URL[];
  config?: Record<string, unknown>;
  finalVars: string[];
  inputs?: Record<string, unknown>;
  overrides?: Record<string, unknown>;
  expected: Record<string, unknown>;
}
const scenarios = raw as Scenario[];

const groupings = [GroupByRepeatableBlocks, GroupNodesIndividually, GroupNodesAllAsOne, GroupNodesByLevel];
const executors: Array<[string, () => TaskExecutor]> = [
  ["SynchronousLocalTaskExecutor", () => new SynchronousLocalTaskExecutor()],
  ["ConcurrentLocalTaskExecutor", () => new ConcurrentLocalTaskExecutor({ maxTasks: 3 })],
];

describe.each(executors)("dynamic execution with %s", (_name, makeExecutor) => {
  describe.each(groupings.map((G) => [G.name, G] as const))("grouped by %s", (_g, Grouping) => {
    test.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_n, s) => {
      const dr = await new Builder()
        .withModules(...s.modules)
        .withConfig(s.config ?? {})
        .enableDynamicExecution({ allowExperimentalMode: true })
        .withRemoteExecutor(makeExecutor())
        .withGroupingStrategy(new Grouping())
        .build();
      expect(await dr.execute(s.finalVars, { inputs: s.inputs, overrides: s.overrides })).toEqual(s.expected);
    });
  });
});

describe("classic execution", () => {
  test.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_n, s) => {
    const dr = await new Builder().withModules(...s.modules).withConfig(s.config ?? {}).build();
    const run = dr.execute(s.finalVars, { inputs: s.inputs, overrides: s.overrides });
    // walk upstream from the outputs, stopping at overrides: is a parallel node needed?
    const vars = new Map(dr.listAvailableVariables().map((v) => [v.name, v]));
    const seen = new Set<string>();
    const stack = [...s.finalVars];
    let parallel = false;
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name) || s.overrides?.[name] !== undefined) continue;
      seen.add(name);
      const v = vars.get(name);
      if (!v) continue;
      parallel ||= v.isParallelizable || v.isCollect;
      stack.push(...v.dependencies);
    }
    if (parallel) {
      await expect(run).rejects.toThrow(/enableDynamicExecution/);
    } else {
      expect(await run).toEqual(s.expected);
    }
  });
});

import {
  Builder,
  GroupByRepeatableBlocks,
  GroupNodesAllAsOne,
  GroupNodesByLevel,
  GroupNodesIndividually,
  type GroupingStrategy,
} from "@hamilton-ts/kernel";
import { afterAll, describe, expect, test } from "vitest";
import { MultiProcessingExecutor } from "../src/index.js";
// @ts-expect-error plain .mjs module shared by every executor's suite
import { scenarios as raw } from "../../kernel/test/scenarios/index.mjs";

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
const groupings: Array<new () => GroupingStrategy> = [GroupByRepeatableBlocks, GroupNodesIndividually, GroupNodesAllAsOne, GroupNodesByLevel];

// One executor for the whole file: its pool is reused across drivers, modules and configs.
const executor = new MultiProcessingExecutor({ maxTasks: 2 });
afterAll(() => executor.close());

describe.each([
  ["parallel blocks in child processes", false],
  ["every task in child processes", true],
] as const)("%s", (_mode, everywhere) => {
  describe.each(groupings.map((G) => [G.name, G] as const))("grouped by %s", (_g, Grouping) => {
    test.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_n, s) => {
      let b = new Builder()
        .withModules(...s.modules)
        .withConfig(s.config ?? {})
        .enableDynamicExecution({ allowExperimentalMode: true })
        .withRemoteExecutor(executor)
        .withGroupingStrategy(new Grouping());
      if (everywhere) b = b.withLocalExecutor(executor);
      const dr = await b.build();
      expect(await dr.execute(s.finalVars, { inputs: s.inputs, overrides: s.overrides })).toEqual(s.expected);
    });
  });
});

test("the scenarios really ran in child processes", () => {
  expect(executor.pids.length).toBeGreaterThan(0);
  expect(executor.pids).not.toContain(process.pid);
});

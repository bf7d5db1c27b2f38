import { afterAll, describe, expect, test } from "vitest";
import {
  Builder,
  DefaultExecutionManager,
  GroupByRepeatableBlocks,
  GroupNodesAllAsOne,
  GroupNodesByLevel,
  GroupNodesIndividually,
} from "@hamilton-ts/kernel";
// @ts-expect-error plain .mjs module shared by every executor's suite
import { scenarios as raw } from "../../kernel/test/scenarios/index.mjs";
import { MultiThreadingExecutor } from "../src/index.js";
import { execArgv } from "./helpers.js";

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

// one pool for the whole file: it is reused across drivers and runs
const executor = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
afterAll(() => executor.close());

describe.each([
  ["parallel blocks on threads (remote executor)", false],
  ["every task on threads", true],
] as const)("%s", (_label, everything) => {
  describe.each(groupings.map((G) => [G.name, G] as const))("grouped by %s", (_g, Grouping) => {
    test.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_n, s) => {
      let b = new Builder()
        .withModules(...s.modules)
        .withConfig(s.config ?? {})
        .enableDynamicExecution({ allowExperimentalMode: true })
        .withGroupingStrategy(new Grouping());
      b = everything
        ? b.withExecutionManager(new DefaultExecutionManager({ localExecutor: executor, remoteExecutor: executor }))
        : b.withRemoteExecutor(executor);
      const dr = await b.build();
      expect(await dr.execute(s.finalVars, { inputs: s.inputs, overrides: s.overrides })).toEqual(s.expected);
    });
  });
});

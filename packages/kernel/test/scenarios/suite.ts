// The kernel's scenario suite, for every executor's tests: each scenario runs
// under each grouping strategy, with executors chosen by the caller.
import { describe, expect, test } from "vitest";
import { Builder, GroupByRepeatableBlocks, GroupNodesAllAsOne, GroupNodesByLevel, GroupNodesIndividually } from "@hamilton-ts/kernel";
import { type GroupingStrategy } from "@hamilton-ts/kernel/contracts";
import { scenarios, type Scenario } from "./index.mjs";

export { scenarios, type Scenario };

/** Every grouping strategy of the kernel. */
export const groupings: ReadonlyArray<new () => GroupingStrategy> = [
  GroupByRepeatableBlocks,
  GroupNodesIndividually,
  GroupNodesAllAsOne,
  GroupNodesByLevel,
];

/**
 * Declare one test per scenario and grouping strategy. `configure` receives a
 * Builder with the scenario's modules, config and grouping set and dynamic
 * execution on, and adds executors (it also gets the scenario and its index).
 */
export function describeScenarios(
  configure: (builder: Builder, scenario: Scenario, index: number) => Builder,
  options: { groupings?: ReadonlyArray<new () => GroupingStrategy> } = {},
): void {
  describe.each((options.groupings ?? groupings).map((G) => [G.name, G] as const))("grouped by %s", (_name, Grouping) => {
    test.each(scenarios.map((s, i) => [s.name, s, i] as const))("%s", async (_n, s, i) => {
      const builder = new Builder()
        .withModules(...s.modules)
        .withConfig(s.config ?? {})
        .enableDynamicExecution({ allowExperimentalMode: true })
        .withGroupingStrategy(new Grouping());
      const dr = await configure(builder, s, i).build();
      expect(await dr.execute(s.finalVars, { inputs: s.inputs, overrides: s.overrides })).toEqual(s.expected);
    });
  });
}

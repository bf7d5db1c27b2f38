// The kernel's scenario suite, for every executor's tests: each scenario runs
// under each grouping strategy, with executors chosen by the caller. The
// scenarios themselves ship in the testing entry (`@hamilton-ts/kernel/testing`).
import { describe, expect, test } from "vitest";
import { Builder } from "@hamilton-ts/kernel";
import { type GroupingStrategy } from "@hamilton-ts/kernel/contracts";
import { groupings, scenarios, type Scenario } from "../../src/testing.js";

export { groupings, scenarios, type Scenario };

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
        .withConfig({ ...s.config })
        .enableDynamicExecution({ allowExperimentalMode: true })
        .withGroupingStrategy(new Grouping());
      const dr = await configure(builder, s, i).build();
      expect(await dr.execute(s.finalVars, { inputs: { ...s.inputs }, overrides: { ...s.overrides } })).toEqual(s.expected);
    });
  });
}

import { describe, expect, test } from "vitest";
import { Builder, ConcurrentLocalTaskExecutor, SynchronousLocalTaskExecutor } from "../src/index.js";
import { type TaskExecutor } from "../src/contracts.js";
import { describeScenarios, scenarios } from "./scenarios/suite.js";

const executors: Array<[string, () => TaskExecutor]> = [
  ["SynchronousLocalTaskExecutor", () => new SynchronousLocalTaskExecutor()],
  ["ConcurrentLocalTaskExecutor", () => new ConcurrentLocalTaskExecutor({ maxTasks: 3 })],
];

describe.each(executors)("dynamic execution with %s", (_name, makeExecutor) => {
  describeScenarios((builder) => builder.withRemoteExecutor(makeExecutor()));
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

import { describe, expect, test } from "vitest";
import { Builder, ConcurrentLocalTaskExecutor, SynchronousLocalTaskExecutor } from "../src/index.js";
import { defineExecutorSuite } from "../src/testing.js";
import { scenarios } from "./scenarios/suite.js";

// The testing entry's suite against the kernel's own executors. In the calling
// thread nothing can stop a synchronous endless loop: no timeout cases.
const suite = { test: (name: string, fn: () => Promise<void>) => test(name, fn, 60_000), describe };
describe("SynchronousLocalTaskExecutor", () => {
  defineExecutorSuite(suite, { executor: () => new SynchronousLocalTaskExecutor(), skip: ["timeouts"] });
});
describe("ConcurrentLocalTaskExecutor", () => {
  defineExecutorSuite(suite, { executor: () => new ConcurrentLocalTaskExecutor({ maxTasks: 3 }), skip: ["timeouts"] });
});

describe("classic execution", () => {
  test.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_n, s) => {
    const dr = await new Builder().withModules(...s.modules).withConfig({ ...s.config }).build();
    const run = dr.execute(s.finalVars, { inputs: { ...s.inputs }, overrides: { ...s.overrides } });
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

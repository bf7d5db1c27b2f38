import { describe, expect, test } from "vitest";
import { Builder, Driver, GroupNodesIndividually, node } from "../src/index.js";

/** A chain n0 → n1 → … built with node(fn, { deps }), as generated code would. */
function chain(length: number): Record<string, unknown> {
  const mod: Record<string, unknown> = { n0: () => 0 };
  for (let i = 1; i < length; i++) mod[`n${i}`] = node((prev: number) => prev + 1, { deps: [`n${i - 1}`] });
  return mod;
}

describe("no recursion depth limit", () => {
  const N = 100_000;
  const mod = chain(N);

  test("a 100,000-node chain runs with the classic driver and Node's default stack", async () => {
    const dr = new Driver({}, mod);
    expect(await dr.execute([`n${N - 1}`])).toEqual({ [`n${N - 1}`]: N - 1 });
    expect(dr.whatIsUpstreamOf(`n${N - 1}`)).toHaveLength(N);
    expect(dr.displayAllFunctions().length).toBeGreaterThan(N);
  });

  test("the same chain runs with dynamic execution, one task per node", async () => {
    const dr = await new Builder()
      .withModules(mod)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withGroupingStrategy(new GroupNodesIndividually())
      .build();
    expect(await dr.execute([`n${N - 1}`])).toEqual({ [`n${N - 1}`]: N - 1 });
  }, 60_000);

  test("a cycle deep in a long chain is still found and named", () => {
    const mod2 = chain(50_000);
    mod2.n0 = node((x: number) => x, { deps: ["n49999"] });
    expect(() => new Driver({}, mod2)).toThrow(/cycle: .*n49999 -> n0/);
  });
});

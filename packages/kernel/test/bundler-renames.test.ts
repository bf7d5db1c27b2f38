import { transformSync } from "esbuild";
import { describe, expect, test } from "vitest";
import { Builder, Driver } from "../src/index.js";

const importTs = async (source: string) => {
  const { code } = transformSync(source, { loader: "ts", format: "esm" });
  return (await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as Record<string, unknown>;
};

describe("TypeScript compiled by esbuild (tsx, tsup, vite)", () => {
  test("parameters renamed to avoid shadowing another export still name their node", async () => {
    const mod = await importTs(`
      export function items(n: number): number[] { return [n, n + 1]; }
      export function doubled(items: number[]): number[] { return items.map((i) => i * 2); }
      export const total = (doubled: number[], offset = 0) => doubled.reduce((a, b) => a + b, offset);
    `);
    // the premise: esbuild really did rename them
    expect(String(mod.doubled)).toContain("items2");
    expect(String(mod.total)).toContain("doubled2");
    const dr = new Driver({}, mod);
    expect(dr.listAvailableVariables().find((v) => v.name === "total")!.dependencies).toEqual(["doubled", "offset"]);
    expect(await dr.execute(["total"], { inputs: { n: 1, offset: 100 } })).toEqual({ total: 106 });
  });

  test("a parameter that only looks renamed stays an input", async () => {
    const mod = await importTs(`
      export const layer = () => 1;
      export const layer2 = () => 2;
      export const uses = (layer2: number, step3: number) => layer2 + step3;
    `);
    const dr = new Driver({}, mod);
    expect(dr.listAvailableVariables().find((v) => v.name === "uses")!.dependencies).toEqual(["layer2", "step3"]);
    expect(await dr.execute(["uses"], { inputs: { step3: 10 } })).toEqual({ uses: 12 });
  });

  test("the DESIGN.md map-reduce, compiled by esbuild, runs", async () => {
    const source = `
      const parallelizable = (fn: Function) => Object.assign((...a: unknown[]) => fn(...a), { [Symbol.for("hamilton-ts.node")]: { fn, tags: {}, collect: [], parallelizable: true, conditions: [] } });
      const collect = (p: string, fn: Function) => Object.assign((...a: unknown[]) => fn(...a), { [Symbol.for("hamilton-ts.node")]: { fn, tags: {}, collect: [p], parallelizable: false, conditions: [] } });
      export function number_of_steps(): number { return 5; }
      export const steps = parallelizable(function* (number_of_steps: number) { for (let i = 0; i < number_of_steps; i++) yield i; });
      export function step_squared(steps: number): number { return steps ** 2; }
      export const total = collect("step_squared", (step_squared: number[], offset = 0) => step_squared.reduce((a, b) => a + b, offset));
    `;
    const mod = await importTs(source);
    const dr = await new Builder().withModules(mod).enableDynamicExecution({ allowExperimentalMode: true }).build();
    expect(await dr.execute(["total"])).toEqual({ total: 30 });
  });
});

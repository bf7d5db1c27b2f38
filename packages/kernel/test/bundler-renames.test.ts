import { readFileSync } from "node:fs";
import { build, transformSync } from "esbuild";
import { tsImport } from "tsx/esm/api";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Builder, Driver, InputValidationError, collect, node } from "../src/index.js";
import { parseParameters } from "../src/contracts.js";
import * as viaVitest from "./fixtures/shadowing.js";

const fixture = new URL("./fixtures/shadowing.ts", import.meta.url);
const depsOf = (dr: Driver, name: string) => dr.listAvailableVariables().find((v) => v.name === name)!.dependencies;
const expectShadowingUndone = async (mod: Record<string, unknown>) => {
  const dr = new Driver({}, mod);
  expect(depsOf(dr, "location")).toEqual(["path"]);
  expect(depsOf(dr, "over_limit")).toEqual(["LIMIT", "n"]);
  expect(depsOf(dr, "both")).toEqual(["path", "path2"]);
  expect(depsOf(dr, "pairs")).toEqual(["x1", "x2"]); // x2 is no rename: `x` is declared in doubled
  expect(await dr.execute(["location", "over_limit", "both"], { inputs: { path: "abc", path2: "z", LIMIT: 5, n: 7 } })).toEqual({ location: 3, over_limit: true, both: "abc|z" });
};

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

  test("parameters renamed because they shadow an import or a private constant name their node (esbuild)", async () => {
    const mod = await importTs(readFileSync(fixture, "utf8"));
    expect(String(mod.location)).toContain("path2"); // the premise: esbuild renamed them
    expect(String(mod.over_limit)).toContain("LIMIT2");
    expect(String(mod.both)).toContain("path22");
    await expectShadowingUndone(mod);
  });

  test("the same module loaded by tsx, and by vitest's own transform", async () => {
    const mod = (await tsImport(fixture.href, import.meta.url)) as Record<string, unknown>;
    expect(String(mod.location)).toContain("path2");
    await expectShadowingUndone(mod);
    await expectShadowingUndone(viaVitest);
  });

  test("parseParameters undoes the renames when given the module's exports", async () => {
    const mod = await importTs(readFileSync(fixture, "utf8"));
    expect(parseParameters(mod.location as Function, "location").map((p) => p.name)).toEqual(["path2"]);
    expect(parseParameters(mod.location as Function, "location", { exports: mod }).map((p) => p.name)).toEqual(["path"]);
    expect(parseParameters(mod.both as Function, "both", { exports: mod }).map((p) => p.name)).toEqual(["path", "path2"]);
  });

  test("plain JavaScript that says (model, model2), or uses model next to model2, is read as written", () => {
    const fromSource = (src: string) => new Function(`return (${src});`)() as () => unknown;
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z_]{0,8}$/), fc.integer({ min: 2, max: 30 }), (base, n) => {
        fc.pre(!["do", "if", "in", "for", "let", "new", "try", "var", "case", "else", "enum", "this", "void", "with", "break", "catch", "class", "const", "super", "throw", "while", "yield", "delete", "export", "import", "return", "switch", "typeof", "default", "extends", "finally", "package", "private", "continue", "debugger", "function", "arguments", "interface", "protected", "implements", "instanceof", "async", "await", "static", "public", "get", "set", "of", "null", "true", "false", "undefined"].includes(base));
        const renamedLooking = `${base}${n}`;
        const mod = { [base]: () => 1, both: fromSource(`(${base}, ${renamedLooking}) => 0`), uses: fromSource(`(${renamedLooking}) => ${base}() + ${renamedLooking}`) };
        const dr = new Driver({}, mod);
        expect(depsOf(dr, "both")).toEqual([base, renamedLooking]);
        expect(depsOf(dr, "uses")).toEqual([renamedLooking]);
      }),
      { numRuns: 200 },
    );
  });

  test("without evidence of the shadowed name, the parameter stays, and a missing input says what may have happened", async () => {
    const mod = await importTs(`import os from "node:os"; export const home = (os: string) => os.length;`);
    expect(String(mod.home)).toContain("os2");
    const err = await new Driver({}, mod).execute(["home"], { inputs: { os: "x" } }).catch((e: unknown) => e);
    expect(InputValidationError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(/missing input "os2" \(needed by "home";.* node "home": if the source says "os", esbuild \(tsx, tsup, vite\) renamed it for shadowing a name of the module: rename it or declare node\(fn, \{ deps: \[\.\.\.\] \}\)\)/);
  });

  test("a minified bundle: the missing-input error says minification renamed the parameters and what to do", async () => {
    const out = await build({
      stdin: { contents: `export const total = (numbers: number[], offset: number) => numbers.reduce((a, b) => a + b, offset);`, loader: "ts" },
      bundle: true,
      minify: true,
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    const mod = (await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(out.outputFiles[0]!.text).toString("base64")}`)) as Record<string, unknown>;
    const err = await new Driver({}, mod).execute(["total"], { inputs: { numbers: [1], offset: 0 } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/missing inputs "\w" \(needed by "total"; node "total": the function looks minified, and minifiers rename parameters: declare node\(fn, \{ deps: \[\.\.\.\] \}\)/);
    // a collect of a minified function fails at build, saying the same
    const minifiedCollect = new Function("c", "return { total: c('squared', (n)=>n.length) }")(collect) as Record<string, unknown>;
    expect(() => new Driver({}, minifiedCollect)).toThrow(/collects "squared", but has no parameter of that name \(parameters: n\); the function looks minified/);
    // declared deps fix it, and then no note is given
    const fixed = new Driver({}, { total: node(mod.total as (...a: never[]) => unknown, { deps: ["numbers", "offset"] }) });
    expect(await fixed.execute(["total"], { inputs: { numbers: [1, 2], offset: 3 } })).toEqual({ total: 6 });
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

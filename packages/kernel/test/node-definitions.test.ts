// How exports become nodes: node() options validated (issue 9), rest parameters
// with deps, Hamilton's configWhen absence and skipped classes (issue 11).
import { describe, expect, test } from "vitest";
import { Builder, Driver, GraphError, InputValidationError, collect, configWhen, node } from "../src/index.js";

const fn = (a: number, b: number) => a + b;

describe("node(fn, options) refuses malformed options, naming the option and what it must be", () => {
  test.each([
    [{ deps: "xy" }, /deps must be an array of names, one per parameter: deps: \["a", "b"\]; got the string "xy"/],
    [{ deps: ["a", 1] }, /deps must be an array of names/],
    [{ deps: ["a", ""] }, /deps must be an array of names/],
    [{ collect: "a" }, /collect must be an array of parameter names: collect: \["a"\]; got the string "a"/],
    [{ tags: { owner: 5 } }, /tags must be an object of string values/],
    [{ tags: ["a"] }, /tags must be an object of string values.*got an array/],
    [{ parallelizable: "yes" }, /parallelizable must be true or false/],
    [{ retry: 3 }, /retry must be an object such as \{ maxAttempts: 3 \}; got number 3/],
    [{ timeoutMs: "5" }, /timeoutMs must be a number of milliseconds; got the string "5"/],
    [{ cache: "sometimes" }, /cache must be "default", "recompute", "disable", "ignore"/],
    [{ version: "" }, /version must be a non-empty string/],
    [{ dep: ["a"] }, /unknown option "dep" \(options: deps, collect, tags/],
  ])("%j", (options, message) => {
    expect(() => node(fn, options as never)).toThrow(message);
    expect(() => node(fn, options as never)).toThrow(/^node\(fn, options\)/);
  });

  test("options must be an object; undefined values are ignored; the function is named in the message", () => {
    expect(() => node(fn, "a" as never)).toThrow(/options must be an object/);
    expect(() => node(function area(w: number) { return w; }, { deps: "w" as never })).toThrow(/^node\(area, options\): deps/);
    expect(() => node(fn, { deps: undefined, tags: undefined })).not.toThrow();
    expect(() => collect([] as never, fn)).toThrow(/collect\(params, fn\): params must be a parameter name or a non-empty list/);
    expect(() => collect([1] as never, fn)).toThrow(/collect\(params, fn\)/);
    expect(() => configWhen(5 as never, fn)).toThrow(/configWhen\(condition, fn\): condition must be/);
    expect(() => node(5 as never)).toThrow(/expected a function to define a node, got number/);
  });

  test("retry and timeout values are checked at build, naming the node", () => {
    expect(() => new Driver({}, { a: node(() => 1, { retry: { maxAttempts: 0 } }) })).toThrow(/Node "a".*retry\.maxAttempts must be an integer >= 1/);
    expect(() => new Driver({}, { a: node(() => 1, { timeoutMs: Number.NaN }) })).toThrow(/Node "a".*timeoutMs must be a positive number/);
  });

  test("valid options build", async () => {
    const area = node((e: number, t: number) => e * t, { deps: ["w", "h"], tags: { unit: "m2" }, retry: { maxAttempts: 2 }, timeoutMs: 1000, cache: "recompute", version: "2" });
    expect(await new Driver({}, { area }).execute(["area"], { inputs: { w: 2, h: 3 } })).toEqual({ area: 6 });
  });
});

describe("dependencies given with node(fn, { deps })", () => {
  test("a rest parameter makes every dependency it takes required", async () => {
    const dr = new Driver({}, { sum: node((...xs: number[]) => xs.reduce((a, b) => a + b, 0), { deps: ["a", "b"] }) });
    const byName = new Map(dr.listAvailableVariables().map((v) => [v.name, v]));
    expect(byName.get("a")!.isOptional).toBe(false);
    expect(byName.get("b")!.isOptional).toBe(false);
    const err = await dr.execute(["sum"], { inputs: { a: 1 } }).catch((e: unknown) => e);
    expect(InputValidationError.isInstance(err)).toBe(true);
    expect((err as InputValidationError).missingInputs).toEqual(["b"]);
    expect(await dr.execute(["sum"], { inputs: { a: 1, b: 2 } })).toEqual({ sum: 3 });
  });

  test("named parameters before a rest parameter keep their defaults", () => {
    const dr = new Driver({}, { f: node((a: number, b = 2, ...more: number[]) => a + b + more.length, { deps: ["x", "y", "z", "w"] }) });
    const optional = dr.listAvailableVariables().filter((v) => v.isInput && v.isOptional).map((v) => v.name);
    expect(optional).toEqual(["y"]);
  });

  test("minified code: defaults read from the source; unreadable functions fall back to fn.length", () => {
    const minified = new Function("return function(e,t=3){return e+t}")() as (e: number, t?: number) => number;
    const dr = new Driver({}, { f: node(minified, { deps: ["x", "y"] }) });
    expect(dr.listAvailableVariables().filter((v) => v.isOptional).map((v) => v.name)).toEqual(["y"]);
    const bound = function (this: unknown, a: number, b: number) {
      return a + b;
    }.bind(null);
    const bd = new Driver({}, { g: node(bound, { deps: ["x", "y", "z"] }) });
    expect(bd.listAvailableVariables().filter((v) => v.isOptional).map((v) => v.name)).toEqual(["z"]);
  });
});

describe("configWhen, as in Hamilton", () => {
  const variants = {
    model__a: configWhen({ kind: "a" }, () => "A"),
    model__b: configWhen({ kind: "b" }, () => "B"),
    score: (model: string) => `${model}!`,
  };

  test("no chosen variant: the node is absent, and an input, an override or another module may supply it", async () => {
    const dr = new Driver({ kind: "none" }, variants);
    expect(dr.listAvailableVariables().find((v) => v.name === "model")).toMatchObject({ isInput: true });
    expect(() => dr.validateExecution(["score"])).toThrow(/missing input "model" \(needed by "score"\)/);
    expect(await dr.execute(["score"], { inputs: { model: "given" } })).toEqual({ score: "given!" });
    expect(await dr.execute(["score"], { overrides: { model: "over" } })).toEqual({ score: "over!" });
    expect(await new Driver({ kind: "none" }, [variants, { model: () => "other module" }]).execute(["score"])).toEqual({ score: "other module!" });
    expect(await new Driver({ kind: "none", model: "config" }, variants).execute(["score"])).toEqual({ score: "config!" });
  });

  test("a chosen variant in one module and a plain node in another are two definitions", async () => {
    await expect(new Builder().withModules(variants, { model: () => "X" }).withConfig({ kind: "a" }).build()).rejects.toThrow(/"model" is defined in two modules|Several variants/);
    const dr = await new Builder().withModules(variants, { model: () => "X" }).withConfig({ kind: "a" }).allowModuleOverrides().build();
    expect(await dr.execute(["score"])).toEqual({ score: "X!" });
  });

  test("conditions read the config's own properties only", () => {
    const dr = new Driver({}, { v__proto: configWhen({ constructor: Object }, () => 1) });
    expect(dr.listAvailableVariables()).toEqual([]);
    expect(new Driver({ constructor: Object }, { v__proto: configWhen({ constructor: Object }, () => 1) }).listAvailableVariables().map((v) => v.name)).toEqual(["v"]);
  });
});

describe("exported classes are skipped, as Hamilton skips them", () => {
  test("a class export is no node and no error; a function returning an instance is", async () => {
    class Model {
      constructor(readonly weight = 2) {}
    }
    const dr = new Driver({}, { Model, model: () => new Model(3), weight: (model: Model) => model.weight });
    expect(dr.listAvailableVariables().map((v) => v.name).sort()).toEqual(["model", "weight"]);
    expect(await dr.execute(["weight"])).toEqual({ weight: 3 });
  });

  test("a class wrapped in node() is still a clear error", () => {
    expect(() => new Driver({}, { k: node(class K {} as never) })).toThrow(GraphError);
    expect(() => new Driver({}, { k: node(class K {} as never) })).toThrow(/Node "k" is a class/);
  });
});

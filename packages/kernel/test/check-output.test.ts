// checkOutput builds the OutputCheck a node carries (NodeSpec.checks); node
// invocation runs it. Hamilton's tests/function_modifiers/test_validation.py and
// its default validators (range, data_type), in our words, against any Standard
// Schema: a hand-written one, zod and valibot.
import * as v from "valibot";
import { describe, expect, test } from "vitest";
import * as z from "zod";
import { Builder, ConcurrentLocalTaskExecutor, DataValidationError, NodeExecutionError, DISABLE_CHECKS_CONFIG_KEY, checkOutput, extractColumns, numberSchema, parameterize, tag, value, type StandardSchemaV1, type ValidationResult } from "../src/index.js";
import { nodesFromModules, outputCheckOf, type OutputCheck } from "../src/contracts.js";

const where = { nodeName: "n", taskId: "t1", runId: "r1" };
const run = async (check: OutputCheck, x: unknown): Promise<ValidationResult> => {
  const results = await check(x, where);
  expect(results).toHaveLength(1);
  return results[0]!;
};
const specs = (mod: Record<string, unknown>, config: Record<string, unknown> = {}) =>
  new Map(nodesFromModules([{ name: "m", exports: mod }], config).map((s) => [s.name, s]));

/** A Standard Schema written by hand: positive numbers, reported per path. */
const positive: StandardSchemaV1<number> = {
  "~standard": {
    version: 1,
    vendor: "handmade",
    validate: (x) => (typeof x === "number" && x > 0 ? { value: x } : { issues: [{ message: "must be positive", path: [{ key: "root" }, 0] }] }),
  },
};

describe("a Standard Schema", () => {
  test("passes and fails with the node, task, run, importance, vendor and issues", async () => {
    const check = outputCheckOf({ schema: positive, importance: "fail" });
    expect(await run(check, 3)).toEqual({ ...where, passed: true, importance: "fail", validator: "handmade", message: "handmade: passed", issues: [] });
    expect(await run(check, -1)).toEqual({
      ...where,
      passed: false,
      importance: "fail",
      validator: "handmade",
      message: "handmade: root.0: must be positive",
      issues: [{ message: "must be positive", path: ["root", 0] }],
    });
  });

  test("a synchronous schema gives results synchronously (a sync node stays sync); an async one a promise", async () => {
    expect(Array.isArray(outputCheckOf({ schema: positive })(1, where))).toBe(true);
    const later: StandardSchemaV1 = { "~standard": { version: 1, vendor: "later", validate: async (x) => (x === 1 ? { value: x } : { issues: [{ message: "not one" }] }) } };
    const out = outputCheckOf({ schema: later })(2, where);
    expect(out).toBeInstanceOf(Promise);
    expect((await out)[0]).toMatchObject({ passed: false, message: "later: not one" });
  });

  test("a schema that throws is a failed check with the error's message", async () => {
    const broken: StandardSchemaV1 = { "~standard": { version: 1, vendor: "broken", validate: () => { throw new Error("boom"); } } };
    expect(await run(outputCheckOf({ schema: broken, importance: "fail" }), 1)).toMatchObject({ passed: false, message: "broken: threw boom", issues: [{ message: "boom" }] });
  });

  test("zod", async () => {
    const check = outputCheckOf({ schema: z.array(z.number().min(0)), importance: "fail" });
    expect((await run(check, [1, 2])).passed).toBe(true);
    const r = await run(check, [1, -2]);
    expect(r).toMatchObject({ passed: false, validator: "zod" });
    expect(r.issues[0]!.path).toEqual([1]);
    expect(r.message).toMatch(/^zod: 1: /);
  });

  test("valibot", async () => {
    const check = outputCheckOf({ schema: v.object({ mean: v.pipe(v.number(), v.minValue(0)) }), importance: "warn" });
    expect((await run(check, { mean: 1 })).passed).toBe(true);
    const r = await run(check, { mean: -1 });
    expect(r).toMatchObject({ passed: false, validator: "valibot", importance: "warn" });
    expect(r.issues[0]!.path).toEqual(["mean"]);
  });

  test("many issues: the message shows three, the result keeps twenty", async () => {
    const many: StandardSchemaV1 = { "~standard": { version: 1, vendor: "many", validate: () => ({ issues: Array.from({ length: 50 }, (_, i) => ({ message: `bad ${i}` })) }) } };
    const r = await run(outputCheckOf({ schema: many }), 0);
    expect(r.message).toBe("many: bad 0; bad 1; bad 2; and 47 more");
    expect(r.issues).toHaveLength(20);
  });
});

describe("a validator function", () => {
  test("true / false / { passed, message, issues }, sync or async", async () => {
    expect(await run(outputCheckOf({ validator: (x) => x === 1 }), 1)).toMatchObject({ passed: true, validator: "validator", importance: "warn" });
    expect(await run(outputCheckOf({ validator: function isOne(x) { return x === 1; } }), 2)).toMatchObject({ passed: false, validator: "validator isOne", message: "validator isOne: returned false" });
    expect(await run(outputCheckOf({ validator: () => ({ passed: false, message: "too few rows", issues: [{ message: "3 < 10" }] }) }), 0)).toMatchObject({ passed: false, message: "too few rows", issues: [{ message: "3 < 10" }] });
    expect(await run(outputCheckOf({ validator: async () => true }), 0)).toMatchObject({ passed: true });
  });

  test("a throw or a wrong return value is a failed check, never a pass", async () => {
    expect(await run(outputCheckOf({ validator: () => { throw new TypeError("nope"); } }), 0)).toMatchObject({ passed: false, message: "validator: threw nope" });
    expect(await run(outputCheckOf({ validator: async () => { throw new Error("later"); } }), 0)).toMatchObject({ passed: false, message: "validator: threw later" });
    expect(await run(outputCheckOf({ validator: (() => "yes") as never }), 0)).toMatchObject({ passed: false, message: /returned the string "yes"; return true\/false/ });
    expect(await run(outputCheckOf({ validator: (() => undefined) as never }), 0)).toMatchObject({ passed: false });
  });
});

describe("numberSchema and the range/dataType shorthand (Hamilton's range=, data_type=)", () => {
  test("scalars", async () => {
    const check = outputCheckOf({ range: [0, 100], dataType: "integer", importance: "fail" });
    expect((await run(check, 50)).passed).toBe(true);
    expect((await run(check, 0)).passed).toBe(true); // inclusive
    expect(await run(check, 101)).toMatchObject({ passed: false, validator: "numberSchema", message: "numberSchema: 101 is outside [0, 100]" });
    expect(await run(check, 1.5)).toMatchObject({ message: "numberSchema: expected an integer, got 1.5" });
    expect(await run(check, "5")).toMatchObject({ message: 'numberSchema: expected a number, got the string "5"' });
    expect(await run(check, Number.NaN)).toMatchObject({ passed: false, message: "numberSchema: NaN" });
    expect((await run(outputCheckOf({ dataType: "number", allowNaN: true }), Number.NaN)).passed).toBe(true);
    expect((await run(outputCheckOf({ dataType: "bigint" }), 5n)).passed).toBe(true);
    expect((await run(outputCheckOf({ dataType: "bigint" }), 5)).passed).toBe(false);
  });

  test("every element of an array, typed array, iterable or danfo-like Series; issues name the index", async () => {
    const check = outputCheckOf({ schema: numberSchema({ range: [0, 1] }) });
    expect((await run(check, [0, 0.5, 1])).passed).toBe(true);
    expect((await run(check, Float64Array.from([0.1, 0.2]))).passed).toBe(true);
    expect((await run(check, new Set([0.3]))).passed).toBe(true);
    const r = await run(check, [0.5, 2, null, 0.1]);
    expect(r.issues).toEqual([
      { message: "2 is outside [0, 1]", path: [1] },
      { message: "expected a number, got null", path: [2] },
    ]);
    expect((await run(check, { values: [0.1, 5] })).issues).toEqual([{ message: "5 is outside [0, 1]", path: [1] }]);
  });

  test("a million bad values: twenty issues and a count, quickly", async () => {
    const r = await run(outputCheckOf({ range: [0, 1] }), new Float64Array(1_000_000).fill(7));
    expect(r.issues).toHaveLength(20);
    expect(r.message).toMatch(/and \d+ more/);
    const schema = numberSchema({ range: [0, 1] });
    const res = (await schema["~standard"].validate(new Float64Array(1_000_000).fill(7))) as { issues: StandardSchemaV1.Issue[] };
    expect(res.issues.at(-1)!.message).toBe("and 999980 more of 1000000 values");
  });

  test("bad options are definition errors", () => {
    expect(() => numberSchema({ range: [5, 1] })).toThrow(/range must be \[min, max\] with min <= max/);
    expect(() => numberSchema({ dataType: "float" as never })).toThrow(/dataType "number", "integer" or "bigint"/);
  });
});

describe("checkOutput options", () => {
  test("exactly one of schema, validator, range/dataType; importance warn or fail", () => {
    expect(() => outputCheckOf({})).toThrow(/give exactly one of schema/);
    expect(() => outputCheckOf({ schema: positive, validator: () => true })).toThrow(/give exactly one of schema.*got|give exactly one/);
    expect(() => outputCheckOf({ schema: positive, range: [0, 1] })).toThrow(/exactly one/);
    expect(() => outputCheckOf({ schema: positive, importance: "error" as never })).toThrow(/importance must be "warn" or "fail"/);
    expect(() => outputCheckOf({ schema: {} as never })).toThrow(/schema must implement Standard Schema/);
    expect(() => outputCheckOf({ validator: 5 as never })).toThrow(/validator must be a function/);
    expect(() => checkOutput({ schema: positive, target: [] }, () => 1)).toThrow(/target must name nodes/);
  });

  test("checks sit on the function's own node(s); stacked checks run inner first; tags and checks compose", () => {
    const outer = outputCheckOf({ validator: () => true });
    const s = specs({
      total: tag({ owner: "x" }, checkOutput({ validator: function second() { return true; } }, checkOutput({ validator: function first() { return true; } }, () => 1))),
      per: checkOutput({ range: [0, 1] }, parameterize({ p1: { k: value(1) }, p2: { k: value(2) } }, (k: number) => k)),
    });
    expect(s.get("total")!.checks.map((c) => (c(1, where) as ValidationResult[])[0]!.validator)).toEqual(["validator first", "validator second"]);
    expect(s.get("total")!.tags).toEqual({ owner: "x" });
    expect(s.get("p1")!.checks).toHaveLength(1);
    expect(s.get("p2")!.checks).toHaveLength(1);
    expect(typeof outer).toBe("function");
  });

  test("target checks extracted nodes instead (Hamilton's target_); a target that is no node of the definition is an error", () => {
    const s = specs({ df: checkOutput({ range: [0, 10], target: ["a"] }, extractColumns(["a", "b"], () => ({ a: [1], b: [2] }))) });
    expect(s.get("df")!.checks).toHaveLength(0);
    expect(s.get("a")!.checks).toHaveLength(1);
    expect(s.get("b")!.checks).toHaveLength(0);
    expect(() => specs({ df: checkOutput({ range: [0, 1], target: "zz" }, extractColumns(["a"], () => ({ a: [1] }))) })).toThrow(
      /checkOutput in m \(export df\): target "zz" is no node of this definition \(its nodes: df, a\)/,
    );
  });

  test(`config "${DISABLE_CHECKS_CONFIG_KEY}": true turns every check off, as in Hamilton`, () => {
    const mod = { total: checkOutput({ range: [0, 1] }, () => 1), df: checkOutput({ range: [0, 1], target: "a" }, extractColumns(["a"], () => ({ a: [1] }))) };
    expect(specs(mod).get("total")!.checks).toHaveLength(1);
    const off = specs(mod, { [DISABLE_CHECKS_CONFIG_KEY]: true });
    expect(off.get("total")!.checks).toHaveLength(0);
    expect(off.get("a")!.checks).toHaveLength(0);
    expect(specs(mod, { [DISABLE_CHECKS_CONFIG_KEY]: "yes" }).get("total")!.checks).toHaveLength(1);
  });
});

describe("end to end: checks run where the node runs, and the driver lists their results", () => {
  const mod = () => ({
    raw: () => [0.2, 0.5, 1.5],
    ratios: checkOutput({ range: [0, 1], importance: "warn" }, (raw: number[]) => raw),
    total: checkOutput({ schema: positive, importance: "fail" }, (ratios: number[], offset: number) => ratios.reduce((a, b) => a + b, 0) + offset),
  });

  test.each([
    ["classic", () => new Builder().withModules(mod()).build()],
    ["dynamic", () => new Builder().withModules(mod()).enableDynamicExecution({ allowExperimentalMode: true }).withLocalExecutor(new ConcurrentLocalTaskExecutor({ maxTasks: 2 })).build()],
  ])("warn records, fail raises DataValidationError naming node and issues (%s)", async (_name, make) => {
    const dr = await make();
    expect(await dr.execute(["total"], { inputs: { offset: 1 } })).toEqual({ total: 3.2 });
    const results = dr.validationResults();
    expect(results.map((r) => [r.nodeName, r.passed, r.importance, r.validator])).toEqual([
      ["ratios", false, "warn", "numberSchema"],
      ["total", true, "fail", "handmade"],
    ]);
    expect(results[0]!.issues).toEqual([{ message: "1.5 is outside [0, 1]", path: [2] }]);
    const err = await dr.execute(["total"], { inputs: { offset: -10 } }).catch((e: unknown) => e);
    expect(NodeExecutionError.isInstance(err) || DataValidationError.isInstance(err)).toBe(true);
    const dve = DataValidationError.isInstance(err) ? err : (err as NodeExecutionError).cause;
    expect(DataValidationError.isInstance(dve)).toBe(true);
    expect((dve as DataValidationError).nodeName).toBe("total");
    expect((dve as Error).message).toMatch(/Node "total" failed validation: handmade: root\.0: must be positive/);
    expect(dr.validationResults().find((r) => r.nodeName === "total")!.passed).toBe(false);
  });

  test("parameterized and extracted nodes are checked as their own nodes; disable_checks skips them", async () => {
    const m = {
      per: checkOutput({ range: [0, 10] }, parameterize({ small: { k: value(1) }, big: { k: value(100) } }, (k: number) => k)),
      df: checkOutput({ validator: (c) => Array.isArray(c) && c.length === 2, target: "a" }, extractColumns(["a"], () => ({ a: [1, 2, 3] }))),
    };
    const dr = await new Builder().withModules(m).build();
    await dr.execute(["small", "big", "a"]);
    expect(dr.validationResults().map((r) => [r.nodeName, r.passed])).toEqual([["small", true], ["big", false], ["a", false]]);
    const off = await new Builder().withModules(m).withConfig({ [DISABLE_CHECKS_CONFIG_KEY]: true }).build();
    await off.execute(["small", "big", "a"]);
    expect(off.validationResults()).toEqual([]);
  });
});

import { describe, expect, test } from "vitest";
import { Builder, collect, DataValidationError, Driver, parallelizable, type ValidationResult } from "../src/index.js";
import { NODE_META, nodeMetaOf, type LifecycleAdapter, type OutputCheck, type Task, type TaskExecutor } from "../src/contracts.js";
import { TaskRunner } from "../src/remote.js";

/** Attach output checks by hand (checkOutput, in the node layer, fills the same field). */
function checked<F extends (...a: never[]) => unknown>(fn: F, ...checks: OutputCheck[]): F {
  return Object.defineProperty(fn, NODE_META, { value: { ...nodeMetaOf(fn)!, checks } });
}
const positive = (importance: "warn" | "fail"): OutputCheck => (value, where) => [
  { ...where, passed: (value as number) > 0, importance, validator: "positive", message: (value as number) > 0 ? "ok" : `${String(value)} is not positive`, issues: [] },
];
const asyncEven: OutputCheck = async (value, where) => {
  await new Promise((r) => setTimeout(r, 1));
  return [{ ...where, passed: (value as number) % 2 === 0, importance: "warn", validator: "even", message: "even?", issues: [] }];
};

const modes: Array<[string, (mod: Record<string, unknown>, adapters?: object[]) => Promise<Driver>]> = [
  ["classic", async (mod, adapters = []) => new Driver({}, mod, { adapters })],
  ["dynamic", (mod, adapters = []) => new Builder().withModules(mod).withAdapters(...adapters).enableDynamicExecution({ allowExperimentalMode: true }).build()],
];

describe.each(modes)("output checks (%s)", (_mode, make) => {
  test("a failed warn check is recorded and the run goes on", async () => {
    const dr = await make({ a: checked((x: number) => x, positive("warn"), asyncEven), b: (a: number) => a * 2 });
    expect(await dr.execute(["b"], { inputs: { x: -3 } })).toEqual({ b: -6 });
    const results = dr.validationResults();
    expect(results.map((r) => [r.nodeName, r.validator, r.passed])).toEqual([["a", "positive", false], ["a", "even", false]]);
    expect(results[0]).toMatchObject({ importance: "warn", message: "-3 is not positive" });
  });

  test("a failed fail check fails the node with a DataValidationError; the results are kept", async () => {
    const seen: Array<[boolean, unknown]> = [];
    const hook: LifecycleAdapter = { postNodeExecute: (a) => void seen.push([a.success, a.error]) };
    const dr = await make({ a: checked((x: number) => x, positive("fail")), b: (a: number) => a }, [hook]);
    const err = await dr.execute(["b"], { inputs: { x: 0 } }).catch((e: unknown) => e);
    expect(DataValidationError.isInstance(err)).toBe(true);
    expect(err).toMatchObject({ nodeName: "a", message: 'Node "a" failed validation: 0 is not positive' });
    expect(dr.validationResults()).toHaveLength(1);
    expect(seen[0]![0]).toBe(false);
    expect(DataValidationError.isInstance(seen[0]![1])).toBe(true);
    // a passing value goes through
    expect(await dr.execute(["b"], { inputs: { x: 2 } })).toEqual({ b: 2 });
    expect(dr.validationResults().map((r) => r.passed)).toEqual([true]);
  });

  test("results are kept per run; the default is the last run started", async () => {
    const runs: string[] = [];
    const dr = await make({ a: checked((x: number) => x, positive("warn")) }, [{ preGraphExecute: (a: { runId: string }) => void runs.push(a.runId) }]);
    await dr.execute(["a"], { inputs: { x: -1 } });
    await dr.execute(["a"], { inputs: { x: 1 } });
    expect(dr.validationResults(runs[0]).map((r) => [r.runId, r.passed])).toEqual([[runs[0], false]]);
    expect(dr.validationResults().map((r) => [r.runId, r.passed])).toEqual([[runs[1], true]]);
    expect(dr.validationResults("no such run")).toEqual([]);
  });

  test("a check that throws fails the node, naming it", async () => {
    const dr = await make({ a: checked(() => 1, () => { throw new Error("check broke"); }) });
    await expect(dr.execute(["a"])).rejects.toMatchObject({ name: "NodeExecutionError", nodeName: "a", cause: { message: "check broke" } });
  });
});

describe("output checks in dynamic runs", () => {
  test("checks run inside parallel blocks, once per branch", async () => {
    const dr = await new Builder()
      .withModules({
        items: parallelizable(() => [1, -1, 2]),
        each: checked((items: number) => items, positive("warn")),
        all: collect("each", (each: number[]) => each),
      })
      .enableDynamicExecution({ allowExperimentalMode: true })
      .build();
    await dr.execute(["all"]);
    expect(dr.validationResults().map((r) => [r.taskId, r.passed]).sort()).toEqual([["block-items[0]", true], ["block-items[1]", false], ["block-items[2]", true]]);
  });

  test("validation events a remote executor reports are collected", async () => {
    const remote: TaskExecutor = {
      specificationVersion: "v1",
      init: () => undefined,
      canSubmitTask: () => true,
      submitTask: async (t: Task) => {
        const result: ValidationResult = { nodeName: "a", taskId: t.taskId, runId: t.runId, passed: false, importance: "warn", validator: "remote", message: "from a worker", issues: [] };
        t.reportNodeEvent({ type: "validation", nodeName: "a", results: [result] });
        return { a: 1 };
      },
      finalize: () => undefined,
    };
    const dr = await new Builder().withModules({ a: () => 1 }).enableDynamicExecution({ allowExperimentalMode: true }).withLocalExecutor(remote).build();
    expect(await dr.execute(["a"])).toEqual({ a: 1 });
    expect(dr.validationResults()).toMatchObject([{ nodeName: "a", validator: "remote", message: "from a worker" }]);
  });
});

describe("output checks in a worker's TaskRunner", () => {
  test("run there, report validation events, and fail on a failed fail check", async () => {
    const runner = await TaskRunner.create({ modules: [new URL("./fixtures/checked.mjs", import.meta.url)] });
    const events: unknown[] = [];
    expect(await runner.run({ runId: "r", taskId: "t", nodes: ["warned"], inputs: { x: -1 }, outputs: ["warned"] }, (e) => events.push(e))).toEqual({ warned: -1 });
    expect(events).toEqual([
      { type: "pre", nodeName: "warned" },
      { type: "validation", nodeName: "warned", results: [expect.objectContaining({ passed: false, runId: "r", taskId: "t", nodeName: "warned" })] },
      expect.objectContaining({ type: "post", nodeName: "warned", success: true }),
    ]);
    await expect(runner.run({ runId: "r", taskId: "t2", nodes: ["strict"], inputs: { x: -1 }, outputs: ["strict"] })).rejects.toMatchObject({ name: "DataValidationError", nodeName: "strict" });
  });
});

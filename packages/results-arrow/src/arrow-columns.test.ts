import { Builder, Driver, extractColumns } from "@hamilton-ts/kernel";
import { MultiThreadingExecutor } from "@hamilton-ts/executor-threads";
import { Table, tableFromArrays, type Vector } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import "./index.js";

// workers run plain Node: drop vitest's source condition (see executor-threads' tests)
const execArgv = process.execArgv.filter((a, i, all) => a !== "--conditions=hamilton-ts:source" && !(a === "hamilton-ts:source" && all[i - 1] === "--conditions") && !(a === "--conditions" && all[i + 1] === "hamilton-ts:source"));
const executor = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
afterAll(() => executor.close());

const sample = () => tableFromArrays({ x: Float64Array.from([1, 2, 3]), label: ["a", "b", "c"] });

describe("extractColumns of an Arrow Table", () => {
  it("gives each column node the column's Vector", async () => {
    const dr = new Driver({}, { t: extractColumns(["x", "label"], sample), x_total: (x: Vector) => (x.toArray() as Float64Array).reduce((a, b) => a + b, 0) });
    const out = await dr.execute(["x_total", "label"]);
    expect(out.x_total).toBe(6);
    expect((out.label as Vector).toArray()).toEqual(["a", "b", "c"]);
  });

  it("a missing column lists the table's columns; fillWith makes a Vector of one value per row", async () => {
    await expect(new Driver({}, { t: extractColumns(["nope"], sample) }).execute(["nope"])).rejects.toThrow(/Column "nope" is missing from the value of node "t" \(it has: x, label\)/);
    const filled = await new Driver({}, { t: extractColumns(["z"], sample, { fillWith: 7 }) }).execute(["z"]);
    expect([...(filled.z as Vector)]).toEqual([7, 7, 7]);
    expect(new Table().numRows).toBe(0);
  });

  it("works in worker threads, inside a parallel block, and the worker's errors name the column", async () => {
    const dr = await new Builder()
      .withModules(new URL("../test/fixtures/columns-pipeline.mjs", import.meta.url))
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(executor)
      .build();
    expect(await dr.execute(["total"], { inputs: { parts: 3 } })).toEqual({ total: 9 });
    // a branch's column node fails in the worker; the error names column and node
    await expect(dr.execute(["q_count"], { inputs: { parts: 2 } })).rejects.toThrow(/Node "q" \(task [^)]*\) failed: Column "q" is missing from the value of node "lacking" \(it has: x\)/);
    await expect(dr.execute(["z"])).rejects.toThrow(/Column "z" is missing from the value of node "wide"/);
  });
});

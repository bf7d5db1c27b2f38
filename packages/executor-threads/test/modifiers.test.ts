import { threadId } from "node:worker_threads";
import { afterAll, describe, expect, test } from "vitest";
import { DataValidationError, NodeExecutionError } from "@hamilton-ts/kernel";
import { type PostNodeExecuteArgs } from "@hamilton-ts/kernel/contracts";
import { MultiThreadingExecutor } from "../src/index.js";
import { driverFor, execArgv } from "./helpers.js";

const executor = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
afterAll(() => executor.close());

describe("function modifiers under worker threads", () => {
  test("workers expand modifiers as the driver does: same graph, same values, hooks for every created node", async () => {
    const post: PostNodeExecuteArgs[] = [];
    const dr = await driverFor("modifiers.mjs", executor, { adapters: [{ postNodeExecute: (a: PostNodeExecuteArgs) => void post.push(a) }] });
    // lo: 1+2+3 = 6; hi * 3: (10+20+30) * 3 = 180
    expect(await dr.execute(["total"], { inputs: { n: 3 } })).toEqual({ total: 186 });
    const inBranches = new Set(post.filter((p) => /\[\d+\]$/.test(p.taskId)).map((p) => p.nodeName));
    expect([...inBranches].sort()).toEqual(["hi", "lo", "row", "scaled_hi", "scaled_lo"]);
    expect(post.find((p) => p.nodeName === "hi")!.nodeTags).toEqual({ stage: "row" });
    expect(threadId).toBe(0);
  });

  test("checkOutput runs in the worker and its results come back to the driver; a failed 'fail' check fails the node", async () => {
    // with node hooks: this executor sends node events (validation among them) only when the caller has hooks;
    // the contract says validation results always come back (an executor-threads change, not in this package's worker yet)
    const dr = await driverFor("modifiers.mjs", executor, { adapters: [{ postNodeExecute: () => undefined }] });
    await dr.execute(["total"], { inputs: { n: 3 } });
    const results = dr.validationResults();
    expect(results).toHaveLength(6); // scaled_lo and scaled_hi in each of 3 branches
    expect(results.every((r) => /\[\d+\]$/.test(r.taskId))).toBe(true);
    const failed = results.filter((r) => !r.passed).map((r) => [r.nodeName, r.message]).sort();
    expect(failed).toEqual([
      ["scaled_hi", "numberSchema: 60 is outside [0, 50]"],
      ["scaled_hi", "numberSchema: 90 is outside [0, 50]"],
    ]);
    const err = await dr.execute(["strict_all"], { inputs: { n: 3 } }).catch((e: unknown) => e);
    // the worker's DataValidationError keeps its class and fields across the boundary
    const cause = NodeExecutionError.isInstance(err) ? (err.cause as Error) : (err as Error);
    expect(DataValidationError.isInstance(cause)).toBe(true);
    expect((cause as DataValidationError).nodeName).toBe("strict");
    expect(cause.message).toMatch(/Node "strict" failed validation: numberSchema: \d is outside \[0, 1\]/);
  });

  test("a missing field fails in the worker with an error naming the field and its object node", async () => {
    const dr = await driverFor("modifiers.mjs", executor);
    await expect(dr.execute(["absent_all"], { inputs: { n: 2 } })).rejects.toThrow(/Node "absent" \(task [^)]*\) failed: Field "absent" is missing from the value of node "missing" \(it has: item\)/);
  });
});

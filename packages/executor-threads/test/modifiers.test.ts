import { threadId } from "node:worker_threads";
import { afterAll, describe, expect, test } from "vitest";
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

  test("a missing field fails in the worker with an error naming the field and its object node", async () => {
    const dr = await driverFor("modifiers.mjs", executor);
    await expect(dr.execute(["absent_all"], { inputs: { n: 2 } })).rejects.toThrow(/Node "absent" \(task [^)]*\) failed: Field "absent" is missing from the value of node "missing" \(it has: item\)/);
  });
});

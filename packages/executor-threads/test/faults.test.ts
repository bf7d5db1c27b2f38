import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ExecutorError, NodeExecutionError, TimeoutError } from "@hamilton-ts/kernel";
import { MultiThreadingExecutor } from "../src/index.js";
import { driverFor, execArgv } from "./helpers.js";

const inputs = (mode: string, extra: Record<string, unknown> = {}) => ({ count: 6, bad_item: 2, mode, ...extra });

async function failure(run: Promise<unknown>): Promise<NodeExecutionError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(NodeExecutionError.isInstance(error), `expected a NodeExecutionError, got ${String(error)}`).toBe(true);
  return error as NodeExecutionError;
}

describe("faults", () => {
  test("a node that throws: node name, task id and the worker's stack", async () => {
    const ex = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
    const dr = await driverFor("faults.mjs", ex);
    const e = await failure(dr.execute(["doubled"], { inputs: inputs("throw") }));
    expect(e.nodeName).toBe("risky");
    expect(e.taskId).toMatch(/\[2\]$/);
    expect(e.message).toContain("node failed on item 2");
    const cause = e.cause as Error;
    expect(cause.stack).toContain("faults.mjs");
    // the pool survives a node error: the next run succeeds
    expect(await dr.execute(["doubled"], { inputs: inputs("none") })).toEqual({ doubled: [0, 2, 4, 6, 8, 10] });
    await dr.close();
  });

  test.each([
    ["process.exit in a node", "exit", /died: it exited with code 3/],
    ["an uncaught exception in a timer", "timer", /died: it crashed on an uncaught exception \(thrown in a timer\)/],
  ])("%s fails its task with a clear error, and the worker is replaced", async (_label, mode, pattern) => {
    const ex = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
    const dr = await driverFor("faults.mjs", ex);
    const e = await failure(dr.execute(["doubled"], { inputs: inputs(mode) }));
    expect(e.nodeName).toBe("risky");
    expect(e.taskId).toMatch(/\[2\]$/);
    expect(e.message).toMatch(pattern);
    expect(e.message).toContain("worker thread");
    // the cause says it was the infrastructure, not the node's code
    expect(ExecutorError.isInstance(e.cause)).toBe(true);
    expect((e.cause as ExecutorError).reason).toBe("worker-died");
    expect((e.cause as ExecutorError).executor).toBe("MultiThreadingExecutor");
    expect((e.cause as unknown as { exitCode: number }).exitCode).toBe(mode === "exit" ? 3 : 1);
    expect(await dr.execute(["doubled"], { inputs: inputs("none") })).toEqual({ doubled: [0, 2, 4, 6, 8, 10] });
    await dr.close();
    expect(ex.workerCount).toBe(0);
  });

  test("a thread that cannot start (a loader that does not exist): reason worker-start, naming the node", async () => {
    const ex = new MultiThreadingExecutor({ maxTasks: 1, execArgv: [...execArgv, "--import", "/nonexistent/loader.mjs"] });
    const dr = await driverFor("faults.mjs", ex);
    const e = await failure(dr.execute(["doubled"], { inputs: inputs("none") }));
    expect(e.message).toMatch(/worker thread meant to run task .* failed to start/);
    expect(e.cause).toMatchObject({ reason: "worker-start", executor: "MultiThreadingExecutor" });
    await dr.close();
  });

  test("out of memory under resourceLimits", async () => {
    const ex = new MultiThreadingExecutor({ maxTasks: 1, execArgv, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    const dr = await driverFor("faults.mjs", ex);
    const e = await failure(dr.execute(["doubled"], { inputs: inputs("oom") }));
    expect(e.nodeName).toBe("risky");
    expect(e.taskId).toMatch(/\[2\]$/);
    expect(e.message).toMatch(/out of memory/i);
    await dr.close();
  }, 30_000);

  test("retries: a task whose worker died runs again, and the run succeeds", async () => {
    const marker = join(tmpdir(), `hamilton-threads-flaky-${process.pid}-${Date.now()}`);
    try {
      const ex = new MultiThreadingExecutor({ maxTasks: 2, execArgv, retries: 1 });
      const dr = await driverFor("faults.mjs", ex);
      expect(await dr.execute(["doubled"], { inputs: inputs("flaky", { marker }) })).toEqual({ doubled: [0, 2, 4, 6, 8, 10] });
      expect(existsSync(marker)).toBe(true);
      await dr.close();
    } finally {
      rmSync(marker, { force: true });
    }
  });

  test("retries are bounded: a task that always kills its worker fails after retries + 1 attempts", async () => {
    const ex = new MultiThreadingExecutor({ maxTasks: 2, execArgv, retries: 2 });
    const dr = await driverFor("faults.mjs", ex);
    const e = await failure(dr.execute(["doubled"], { inputs: inputs("exit") }));
    expect(e.message).toContain("tried 3 times (retries: 2)");
    await dr.close();
  });

  test("a node in an endless loop: with taskTimeoutMs its thread is stopped and replaced, the task fails with a TimeoutError naming the node", async () => {
    const ex = new MultiThreadingExecutor({ maxTasks: 2, execArgv, taskTimeoutMs: 500 });
    const dr = await driverFor("faults.mjs", ex);
    const e = await dr.execute(["doubled"], { inputs: inputs("spin") }).then(
      () => undefined,
      (error: unknown) => error as TimeoutError,
    );
    expect(TimeoutError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({ nodeName: "risky", timeoutMs: 500 });
    expect(e!.taskId).toMatch(/\[2\]$/);
    expect(e!.message).toMatch(/worker thread running it \(thread \d+\) was stopped and replaced/);
    expect(await dr.execute(["doubled"], { inputs: inputs("none") })).toEqual({ doubled: [0, 2, 4, 6, 8, 10] });
    await dr.close();
  });

  test("abort: running workers are terminated and the run rejects promptly with an AbortError", async () => {
    const ex = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
    const dr = await driverFor("faults.mjs", ex);
    const ctl = new AbortController();
    const run = dr.execute(["doubled"], { inputs: inputs("spin"), signal: ctl.signal });
    await new Promise((r) => setTimeout(r, 300)); // item 2 spins forever in a worker
    const before = ex.workerCount;
    expect(before).toBe(2);
    const t0 = performance.now();
    ctl.abort();
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe("AbortError");
    expect(performance.now() - t0).toBeLessThan(500);
    // the spinning worker is gone at once (the other goes too if it still held a batch of this run)
    expect(ex.workerCount).toBeLessThanOrEqual(before - 1);
    // the pool serves the next run
    expect(await dr.execute(["doubled"], { inputs: inputs("none") })).toEqual({ doubled: [0, 2, 4, 6, 8, 10] });
    await dr.close();
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Builder, ExecutorError, NodeExecutionError, SerializationError, TimeoutError, type Driver } from "@hamilton-ts/kernel";
import * as faults from "./fixtures/process-faults.mjs";
import { afterAll, describe, expect, test, vi } from "vitest";
import { MultiProcessingExecutor, type MultiProcessingExecutorOptions } from "../src/index.js";

// children start from source under tsx here: slow on a loaded machine, so a generous hang guard
vi.setConfig({ testTimeout: 30_000 });

const FAULTS = new URL("./fixtures/process-faults.mjs", import.meta.url);
const drivers: Driver[] = [];
afterAll(async () => {
  for (const d of drivers) await d.close();
});

async function driver(options: MultiProcessingExecutorOptions = {}): Promise<{ dr: Driver; ex: MultiProcessingExecutor }> {
  const ex = new MultiProcessingExecutor({ maxTasks: 2, ...options });
  const dr = await new Builder().withModules(FAULTS).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(ex).build();
  drivers.push(dr);
  return { dr, ex };
}

async function failure(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected the run to fail");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

describe("errors", () => {
  test("a node that throws: node name, task id and the child's stack", async () => {
    const { dr } = await driver();
    const e = await failure(dr.execute(["total"], { inputs: { n: 6, mode: "throw", fault_at: 4 } }));
    expect(NodeExecutionError.isInstance(e)).toBe(true);
    expect(e.nodeName).toBe("risky");
    expect(e.taskId).toMatch(/\[4\]$/);
    const cause = e.cause as Error;
    expect(cause.name).toBe("TypeError");
    expect(cause.message).toBe("bad item 4");
    expect(cause.stack).toMatch(/process-faults\.mjs/);
  });

  test.each([
    ["function", /a function \(secret\)/],
    ["class", /an instance of Point/],
    ["symbol", /a symbol \(Symbol\(nope\)\)/],
  ])("a %s returned by a node is a SerializationError naming the node and the type", async (mode, type) => {
    const { dr } = await driver();
    const e = await failure(dr.execute(["total"], { inputs: { n: 3, mode, fault_at: 1 } }));
    expect(SerializationError.isInstance(e)).toBe(true);
    expect(e.nodeName).toBe("risky");
    expect(e.message).toMatch(type);
    expect(e.message).toMatch(/risky/);
  });

  test("an input that cannot be sent to a child is a SerializationError naming it", async () => {
    const { dr } = await driver();
    const e = await failure(dr.execute(["helped"], { inputs: { n: 2 } }));
    expect(SerializationError.isInstance(e)).toBe(true);
    expect(e.nodeName).toBe("helper_fn");
    expect(e.message).toMatch(/a function/);
  });

  test("a module given as a namespace object is refused at build() with how to pass its location", async () => {
    const b = new Builder()
      .withModules(faults)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(new MultiProcessingExecutor({ maxTasks: 1 }));
    await expect(b.build()).rejects.toThrow(/location|URL/);
  });
});

describe("child deaths", () => {
  test("process.exit in a node fails its task with the exit code, and the child is replaced", async () => {
    const { dr, ex } = await driver();
    const e = await failure(dr.execute(["total"], { inputs: { n: 5, mode: "exit", fault_at: 2 } }));
    expect(NodeExecutionError.isInstance(e)).toBe(true);
    expect(e.nodeName).toBe("risky");
    expect(e.taskId).toMatch(/\[2\]$/);
    expect(e.message).toMatch(/child process running task .* \(pid \d+\) died: it exited with code 3/);
    expect(ExecutorError.isInstance(e.cause)).toBe(true);
    expect(e.cause).toMatchObject({ reason: "worker-died", executor: "MultiProcessingExecutor", exitCode: 3, signal: null });
    // the pool heals: the next run works
    expect(await dr.execute(["total"], { inputs: { n: 5, mode: "none" } })).toEqual({ total: 10 });
    expect(ex.pids.length).toBeGreaterThan(0);
  });

  test("the task that killed its child is found even when it shared a message with many others", async () => {
    const { dr } = await driver();
    await dr.execute(["total"], { inputs: { n: 3000, mode: "none" } }); // chunks grow to hundreds of tasks
    const e = await failure(dr.execute(["total"], { inputs: { n: 3000, mode: "exit", fault_at: 1777 } }));
    expect(e.nodeName).toBe("risky");
    expect(e.taskId).toMatch(/\[1777\]$/);
    expect(e.message).toMatch(/exited with code 3/);
  });

  test("an uncaught exception in a timer: the error names the node and carries the child's exception", async () => {
    const { dr } = await driver();
    const e = await failure(dr.execute(["total"], { inputs: { n: 3, mode: "timer", fault_at: 1 } }));
    expect(e.nodeName).toBe("risky");
    expect(e.taskId).toMatch(/\[1\]$/);
    expect(e.message).toMatch(/uncaught exception \(kaboom from a timer\)/);
    const died = e.cause as Error;
    expect((died.cause as Error).message).toBe("kaboom from a timer");
    expect((died.cause as Error).stack).toMatch(/process-faults\.mjs/);
  });

  test("a child that cannot start (a loader that does not exist): reason worker-start, naming the node", async () => {
    const { dr } = await driver({ execArgv: ["--import", "/nonexistent/loader.mjs"] });
    const e = await failure(dr.execute(["total"], { inputs: { n: 2, mode: "none" } }));
    expect(NodeExecutionError.isInstance(e)).toBe(true);
    expect(e.nodeName).toBe("risky");
    expect(e.message).toMatch(/child process meant to run task .* \(pid \d+\) failed to start: it exited with code 1/);
    expect(e.cause).toMatchObject({ reason: "worker-start", executor: "MultiProcessingExecutor" });
  });

  test("out of memory under resourceLimits.maxOldGenerationSizeMb", async () => {
    const { dr } = await driver({ resourceLimits: { maxOldGenerationSizeMb: 48 } });
    const e = await failure(dr.execute(["total"], { inputs: { n: 2, mode: "oom", fault_at: 1 } }));
    expect(e.nodeName).toBe("risky");
    expect(e.message).toMatch(/died/);
    expect(e.message).toMatch(/out of memory.*48 MB/);
  }, 30_000);

  test("retries: a task whose child died runs again in a new process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hamilton-process-"));
    try {
      const marker = join(dir, "marker");
      const { dr } = await driver({ retries: 1 });
      expect(await dr.execute(["total"], { inputs: { n: 4, mode: "flaky", fault_at: 3, marker } })).toEqual({ total: 6 });

      const strict = await driver({ retries: 0 });
      const e = await failure(strict.dr.execute(["total"], { inputs: { n: 4, mode: "flaky", fault_at: 3, marker: join(dir, "other") } }));
      expect(e.message).toMatch(/exited with code 9.*retries/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hung children", () => {
  test("a node in an endless loop: with taskTimeoutMs its child is killed and replaced, the task fails with a TimeoutError naming the node", async () => {
    const { dr, ex } = await driver({ taskTimeoutMs: 800 });
    await dr.execute(["total"], { inputs: { n: 2, mode: "none" } }); // children up
    const before = ex.pids;
    const e = await failure(dr.execute(["total"], { inputs: { n: 3, mode: "spin", fault_at: 1 } }));
    expect(TimeoutError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({ nodeName: "risky", timeoutMs: 800 });
    expect(e.taskId).toMatch(/\[1\]$/);
    expect(e.message).toMatch(/child process running it \(pid \d+\) was stopped and replaced/);
    await waitUntil(() => before.some((p) => !alive(p)));
    expect(before.filter(alive).length).toBeLessThan(before.length);
    expect(await dr.execute(["total"], { inputs: { n: 4, mode: "none" } })).toEqual({ total: 6 });
  }, 30_000);

  test("a SIGSTOPped child: its task times out, the child is killed, the next run gets a fresh one", async () => {
    const ex = new MultiProcessingExecutor({ maxTasks: 2, taskTimeoutMs: 1500 });
    let started = 0;
    const dr = await new Builder()
      .withModules(FAULTS)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(ex)
      .withAdapters({ preNodeExecute: (a: { nodeName: string }) => void (a.nodeName === "risky" && started++) })
      .build();
    drivers.push(dr);
    const run = dr.execute(["total"], { inputs: { n: 2, mode: "sleep", fault_at: -1 } });
    await waitUntil(() => started === 2, 20_000); // both tasks running (a child stopped before it starts gets 30 s of grace)
    const stopped = ex.pids;
    for (const pid of stopped) process.kill(pid, "SIGSTOP");
    const e = await failure(run);
    expect(TimeoutError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({ nodeName: "risky", timeoutMs: 1500 });
    await waitUntil(() => stopped.every((p) => !alive(p)));
    expect(stopped.filter(alive)).toEqual([]);
    expect(await dr.execute(["total"], { inputs: { n: 4, mode: "none" } })).toEqual({ total: 6 });
    expect(ex.pids.some((p) => stopped.includes(p))).toBe(false);
  }, 30_000);
});

describe("stopping", () => {
  test("an aborted signal rejects promptly with an AbortError and kills the busy children", async () => {
    const { dr, ex } = await driver();
    const ctl = new AbortController();
    const run = dr.execute(["total"], { inputs: { n: 4, mode: "sleep", fault_at: -1 }, signal: ctl.signal });
    await waitUntil(() => ex.pids.length === 2);
    const pids = ex.pids;
    const t0 = Date.now();
    setTimeout(() => ctl.abort(), 300);
    const e = await failure(run);
    expect(e.name).toBe("AbortError");
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitUntil(() => pids.every((p) => !alive(p)));
    expect(pids.filter(alive)).toEqual([]);
  });

  test("a failing task kills the children still running other tasks of its run", async () => {
    const { dr, ex } = await driver();
    const run = dr.execute(["total"], { inputs: { n: 2, mode: "throw-late", fault_at: 0 } });
    await waitUntil(() => ex.pids.length === 2);
    const pids = ex.pids;
    const t0 = Date.now();
    const e = await failure(run);
    expect(e.message).toMatch(/late failure of item 0/);
    expect(Date.now() - t0).toBeLessThan(3000);
    await waitUntil(() => pids.filter(alive).length <= 1);
    // the child that threw survives (it is healthy); the one still sleeping is killed
    expect(pids.filter(alive).length).toBeLessThanOrEqual(1);
  });

  test("close() kills every child", async () => {
    const { dr, ex } = await driver();
    await dr.execute(["total"], { inputs: { n: 4, mode: "none" } });
    const pids = ex.pids;
    expect(pids.length).toBeGreaterThan(0);
    await dr.close();
    await waitUntil(() => pids.every((p) => !alive(p)));
    expect(pids.filter(alive)).toEqual([]);
  });
});

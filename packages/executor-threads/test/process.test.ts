import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { MultiThreadingExecutor } from "../src/index.js";
import { driverFor, execArgv, fixture } from "./helpers.js";

/** Run a Node script in a child process (plain Node: the package's dist, no vitest flags). */
function runNode(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`node ${args.join(" ")} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

describe("the process", () => {
  test("exits by itself after a run on worker threads (no close(), long idle timeout)", async () => {
    const r = await runNode([fileURLToPath(fixture("idle-exit.mjs"))], 10_000);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ threads: 2, workers: 2 });
    expect(r.ms).toBeLessThan(5_000);
  }, 15_000);

  test.each([1, 2, 3])("exits by itself after overlapping runs with random aborts and failures (seed %i)", async (seed) => {
    const r = await runNode([fileURLToPath(fixture("concurrent-exit.mjs")), String(seed)], 20_000);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ failed: [], passed: 3 });
  }, 25_000);

  test("TypeScript pipelines work under `node --import tsx` (workers load .ts too)", async () => {
    const r = await runNode(["--import", "tsx", fileURLToPath(fixture("ts/run.ts"))], 20_000);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { total: number; threads: number[] };
    expect(summary.total).toBe(0 + 1 + 4 + 9 + 16);
    expect(summary.threads.length).toBeGreaterThanOrEqual(1);
    expect(summary.threads).not.toContain(0);
  }, 25_000);
});

describe("idle workers", () => {
  test("are terminated idleTimeoutMs after a run", async () => {
    const ex = new MultiThreadingExecutor({ maxTasks: 2, execArgv, idleTimeoutMs: 100 });
    const dr = await driverFor("cpu.mjs", ex);
    await dr.execute(["runs"], { inputs: { count: 2, work_ms: 5 } });
    expect(ex.workerCount).toBeGreaterThan(0);
    const t0 = performance.now();
    while (ex.workerCount > 0 && performance.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(ex.workerCount).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(80);
  });
});

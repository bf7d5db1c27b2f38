import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Builder } from "@hamilton-ts/kernel";
import { type PostNodeExecuteArgs, type PreNodeExecuteArgs } from "@hamilton-ts/kernel/contracts";
import { afterAll, describe, expect, test, vi } from "vitest";
import { MultiProcessingExecutor } from "../src/index.js";

// children start from source under tsx here: slow on a loaded machine, so a generous hang guard
vi.setConfig({ testTimeout: 30_000 });

const MAP_REDUCE = new URL("./fixtures/process-map-reduce.mjs", import.meta.url);
const executor = new MultiProcessingExecutor({ maxTasks: 2 });
afterAll(() => executor.close());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("processes", () => {
  test("a CPU-bound block really uses two child processes", async () => {
    const dr = await new Builder().withModules(MAP_REDUCE).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(executor).build();
    const { pids } = (await dr.execute(["pids"], { inputs: { n: 8, work_ms: 150 } })) as { pids: number[] };
    const perPid = new Map<number, number>();
    for (const p of pids) perPid.set(p, (perPid.get(p) ?? 0) + 1);
    expect(perPid.size).toBe(2);
    expect(perPid.has(process.pid)).toBe(false);
    for (const count of perPid.values()) expect(count).toBeGreaterThanOrEqual(2);
    expect(executor.pids.sort()).toEqual([...perPid.keys()].sort());
  });

  test("the pool is reused across execute calls", async () => {
    const dr = await new Builder().withModules(MAP_REDUCE).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(executor).build();
    await dr.execute(["total"], { inputs: { n: 4 } });
    const before = executor.pids.sort();
    expect(await dr.execute(["total"], { inputs: { n: 4 } })).toEqual({ total: 14 });
    expect(executor.pids.sort()).toEqual(before);
  });

  test("the caller's node hooks fire for nodes run in children, with their task ids", async () => {
    const pre: string[] = [];
    const post: Array<[string, boolean]> = [];
    const dr = await new Builder()
      .withModules(MAP_REDUCE)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(executor)
      .withAdapters({
        preNodeExecute: (a: PreNodeExecuteArgs) => void pre.push(`${a.taskId}:${a.nodeName}`),
        postNodeExecute: (a: PostNodeExecuteArgs) => void post.push([`${a.taskId}:${a.nodeName}`, a.success]),
      })
      .build();
    // few items (one per message, events live) and many (chunked, events ride with results)
    for (const n of [3, 2000]) {
      pre.length = 0;
      post.length = 0;
      await dr.execute(["total"], { inputs: { n } });
      const squared = pre.filter((p) => p.endsWith(":squared"));
      expect(squared.length).toBe(n);
      expect(new Set(squared.map((s) => s.split(":")[0])).size).toBe(n);
      expect(post.filter(([p, ok]) => p.endsWith(":squared") && ok).length).toBe(n);
    }
  });

  test("a long node's start is reported while it runs (progress bars)", async () => {
    let startedAt = 0;
    const dr = await new Builder()
      .withModules(MAP_REDUCE)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(executor)
      .withAdapters({ preNodeExecute: (a: PreNodeExecuteArgs) => void (a.nodeName === "worker_pid" && (startedAt ||= Date.now())) })
      .build();
    await dr.execute(["pids"], { inputs: { n: 1, work_ms: 10 } }); // warm: the child is up
    startedAt = 0;
    await dr.execute(["pids"], { inputs: { n: 1, work_ms: 400 } });
    expect(startedAt).toBeGreaterThan(0);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
  });

  test("100,000 trivial branch items complete (chunked messages)", async () => {
    const dr = await new Builder().withModules(MAP_REDUCE).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(executor).build();
    const n = 100_000;
    expect(await dr.execute(["total"], { inputs: { n } })).toEqual({ total: ((n - 1) * n * (2 * n - 1)) / 6 });
  }, 30_000);
});

test("after a flood of trivial tasks, a CPU-bound block still spreads over both children", async () => {
  const dr = await new Builder().withModules(MAP_REDUCE).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(executor).build();
  await dr.execute(["total"], { inputs: { n: 20_000 } });
  const { pids } = (await dr.execute(["pids"], { inputs: { n: 6, work_ms: 100 } })) as { pids: number[] };
  const perPid = new Map<number, number>();
  for (const p of pids) perPid.set(p, (perPid.get(p) ?? 0) + 1);
  expect(perPid.size).toBe(2);
  for (const count of perPid.values()) expect(count).toBeGreaterThanOrEqual(2);
});

test("idle children are killed idleTimeoutMs after the run ended", async () => {
  const ex = new MultiProcessingExecutor({ maxTasks: 2, idleTimeoutMs: 200 });
  const dr = await new Builder().withModules(MAP_REDUCE).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(ex).build();
  await dr.execute(["total"], { inputs: { n: 4 } });
  const pids = ex.pids;
  expect(pids.length).toBeGreaterThan(0);
  const end = Date.now() + 3000;
  while ((ex.pids.length > 0 || pids.some(alive)) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  expect(ex.pids).toEqual([]);
  expect(pids.filter(alive)).toEqual([]);
  // and the next run starts a fresh pool
  expect(await dr.execute(["total"], { inputs: { n: 4 } })).toEqual({ total: 14 });
  await dr.close();
});

/** Run a Node script; the promise rejects if it does not exit by itself within `ms`. */
function runNode(args: string[], ms: number): Promise<{ code: number | null; out: string; err: string; printedAt: number }> {
  const child = spawn(process.execPath, args, { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let printedAt = 0;
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    printedAt ||= Date.now();
  });
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the process did not exit by itself within ${ms} ms\nstdout: ${out}\nstderr: ${err}`));
    }, ms);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, printedAt });
    });
  });
}

test.each([1, 2, 3])("the process exits by itself after overlapping runs with random aborts and failures (seed %i)", async (seed) => {
  const r = await runNode([fileURLToPath(new URL("./fixtures/process-concurrent-exit.mjs", import.meta.url)), String(seed)], 20_000);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out)).toMatchObject({ failed: [], passed: 3 });
}, 25_000);

describe("a TypeScript pipeline under `node --import tsx`", () => {
  test("children inherit the loader, and the parent exits by itself with idle children", async () => {
    const { code, out, err, printedAt } = await runNode(["--import", "tsx", fileURLToPath(new URL("./fixtures/process-tsx-main.ts", import.meta.url)), "10"], 30_000);
    expect(err).toBe("");
    expect(code).toBe(0);
    const result = JSON.parse(out) as { first: { total: number }; second: { total: number }; pids: number[]; parent: number };
    expect(result.first).toEqual({ total: 90 });
    expect(result.second).toEqual({ total: 380 });
    expect(result.pids.length).toBeGreaterThan(0);
    // exited promptly once the work was done, although the idle timeout is 60 s
    expect(Date.now() - printedAt).toBeLessThan(3000);
    // and its children followed it
    const end = Date.now() + 3000;
    while (result.pids.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(result.pids.filter(alive)).toEqual([]);
  }, 40_000);
});

// Resume after failure under every executor × store: a map-reduce that failed
// in 3 branches, re-run after the fix, computes those 3 branches and the
// collector and nothing else. Lookups and stores happen in the driver (the
// workers get no store), and a branch whose nodes are all hits is never
// submitted to an executor. Executors are used through their public API only.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, unlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Builder, NodeExecutionError, SynchronousLocalTaskExecutor, ConcurrentLocalTaskExecutor } from "@hamilton-ts/kernel";
import type { CacheStore, Task, TaskExecutor } from "@hamilton-ts/kernel/contracts";
import { InMemoryCacheStore } from "@hamilton-ts/kernel/contracts";
import { MultiThreadingExecutor } from "@hamilton-ts/executor-threads";
import { MultiProcessingExecutor } from "@hamilton-ts/executor-cluster";
import { BullMQExecutor } from "@hamilton-ts/executor-cluster/bullmq";
import { FileCacheStore } from "../src/index.js";

const PIPELINE = fileURLToPath(new URL("./fixtures/resume-pipeline.mjs", import.meta.url));
const WORKER = fileURLToPath(new URL("./fixtures/bullmq-worker.mjs", import.meta.url));
const N = 300;
const BROKEN = [7, 150, 299];
const expected = Array.from({ length: N }, (_, i) => i * i).reduce((a, b) => a + b, 0);

/**
 * vitest runs with `--conditions hamilton-ts:source` (the kernel's source);
 * worker threads would inherit it and fail to import .ts under plain Node.
 */
const execArgv = process.execArgv.filter((a, i, all) => !(a === "hamilton-ts:source" || (a === "--conditions" && all[i + 1] === "hamilton-ts:source") || a === "--conditions=hamilton-ts:source"));

const REDIS = ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "redis-server"].find((p) => spawnSync(p, ["--version"]).status === 0);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

let redis: ChildProcess | undefined;
let redisUrl = "";
beforeAll(async () => {
  if (!REDIS) return;
  const port = await freePort();
  redis = spawn(REDIS, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  redisUrl = `redis://127.0.0.1:${port}`;
  const { Socket } = await import("node:net");
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once("error", () => resolve(false));
      s.connect(port, "127.0.0.1", () => s.write("PING\r\n"));
      s.once("data", (d) => (s.destroy(), resolve(d.toString().includes("PONG"))));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("redis-server did not answer");
}, 20_000);
afterAll(() => stop(redis, "SIGKILL"));

/** An executor that counts what it is given, around a real one (its public API only). */
function counting(inner: TaskExecutor): TaskExecutor & { submitted: string[] } {
  const submitted: string[] = [];
  return {
    specificationVersion: "v1",
    requiresModuleLocations: inner.requiresModuleLocations,
    submitted,
    init: (ctx) => inner.init(ctx),
    finalize: () => inner.finalize(),
    close: () => inner.close?.(),
    canSubmitTask: () => inner.canSubmitTask(),
    submitTask(task: Task) {
      submitted.push(task.taskId);
      return inner.submitTask(task);
    },
  };
}

interface Setup {
  readonly executor: TaskExecutor;
  stop(): Promise<void>;
}

const EXECUTORS: Record<string, (dir: string) => Promise<Setup>> = {
  SynchronousLocalTaskExecutor: async () => ({ executor: new SynchronousLocalTaskExecutor(), stop: async () => undefined }),
  ConcurrentLocalTaskExecutor: async () => ({ executor: new ConcurrentLocalTaskExecutor({ maxTasks: 8 }), stop: async () => undefined }),
  MultiThreadingExecutor: async () => ({ executor: new MultiThreadingExecutor({ maxTasks: 2, execArgv }), stop: async () => undefined }),
  MultiProcessingExecutor: async () => ({ executor: new MultiProcessingExecutor({ maxTasks: 2 }), stop: async () => undefined }),
  BullMQExecutor: async (dir) => {
    const queueName = `cache-matrix-${Math.random().toString(36).slice(2)}`;
    const worker = spawn(process.execPath, [WORKER, redisUrl, queueName, PIPELINE], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HAMILTON_CACHE_TEST_DIR: dir } });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      worker.stdout!.on("data", (d) => ((out += d), out.includes("READY") && resolve()));
      worker.stderr!.on("data", (d) => (out += d));
      worker.once("exit", (code) => reject(new Error(`BullMQ worker exited (${code}): ${out}`)));
    });
    return { executor: new BullMQExecutor({ connection: redisUrl, queueName, taskTimeoutMs: 60_000 }), stop: () => stop(worker) };
  },
};

const STORES: Record<string, (dir: string) => CacheStore> = {
  memory: () => new InMemoryCacheStore(),
  file: (dir) => new FileCacheStore(join(dir, "cache")),
};

describe.each(Object.keys(EXECUTORS))("%s", (executorName) => {
  test.skipIf(executorName === "BullMQExecutor" && !REDIS).each(Object.keys(STORES))(
    "× %s store: resume after failure computes only the failed branches and the collector",
    async (storeName) => {
      const dir = mkdtempSync(join(tmpdir(), "hamilton-cache-matrix-"));
      process.env.HAMILTON_CACHE_TEST_DIR = dir;
      const log = join(dir, "ran.log");
      const ran = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []);
      for (const b of BROKEN) writeFileSync(join(dir, `broken-${b}`), "");
      const setup = await EXECUTORS[executorName]!(dir);
      const remote = counting(setup.executor);
      const store = STORES[storeName]!(dir);
      const dr = await new Builder().withModules(PIPELINE).withCache({ store }).enableDynamicExecution().withRemoteExecutor(remote).build();
      try {
        const error = (await dr.execute(["total"], { inputs: { n: N } }).catch((e: unknown) => e)) as NodeExecutionError & { errors?: unknown[] };
        expect(NodeExecutionError.isInstance(error), String(error)).toBe(true);
        // no branch was cancelled by the failures: all ran, all three failures are listed
        expect(ran().filter((r) => r.startsWith("squared"))).toHaveLength(N);
        expect((error.errors ?? []).map((e) => (e as NodeExecutionError).taskId).sort()).toEqual(BROKEN.map((b) => `block-items[${b}]`).sort());
        expect(ran()).not.toContain("total");
        expect(remote.submitted).toHaveLength(N);

        for (const b of BROKEN) unlinkSync(join(dir, `broken-${b}`));
        writeFileSync(log, "");
        remote.submitted.length = 0;
        expect(await dr.execute(["total"], { inputs: { n: N } })).toEqual({ total: expected });
        expect(ran().sort()).toEqual([...BROKEN.map((b) => `squared[${b}]`), "total"].sort());
        // the branches that were hits never reached the executor
        expect(remote.submitted.sort()).toEqual(BROKEN.map((b) => `block-items[${b}]`).sort());
        const hits = dr.cache.logs().filter((e) => e.type === "hit" && e.nodeName === "squared");
        expect(hits).toHaveLength(N - BROKEN.length);
      } finally {
        await dr.close();
        await setup.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Builder, GraphError, NodeExecutionError } from "@hamilton-ts/kernel";
import { BullMQExecutor, parseRedisUrl, type BullMQExecutorOptions } from "../src/bullmq/index.js";
import { BULLMQ_MAJOR_FLAGS, REDIS_BIN, freePort, spawnWorker, startRedis, waitFor, type RedisServer, type WorkerProcess } from "./bullmq-redis.js";

const FAULTS = new URL("./fixtures/bullmq-faults.mjs", import.meta.url);
const fast = { lockDuration: 1000, stalledInterval: 500 };

if (!REDIS_BIN) console.warn("redis-server is not installed: skipping the BullMQ fault tests (apt-get install redis-server).");

function driver(url: string, queueName: string, opts: Partial<BullMQExecutorOptions> = {}, config: Record<string, unknown> = {}) {
  return new Builder()
    .withModules(FAULTS)
    .withConfig(config)
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withRemoteExecutor(new BullMQExecutor({ connection: url, queueName, taskTimeoutMs: 20_000, connectionTimeoutMs: 2000, sweepIntervalMs: 500, ...opts }))
    .build();
}

describe("parseRedisUrl", () => {
  it("reads auth, db and TLS", () => {
    expect(parseRedisUrl("rediss://worker:s%40cret@redis.internal:6380/2")).toEqual({
      host: "redis.internal", port: 6380, username: "worker", password: "s@cret", db: 2, tls: {},
    });
    expect(parseRedisUrl("redis://:pw@127.0.0.1")).toEqual({ host: "127.0.0.1", port: 6379, password: "pw" });
    expect(() => parseRedisUrl("http://x")).toThrow(/not a Redis URL/);
  });
});

describe.skipIf(!REDIS_BIN)("BullMQExecutor faults", () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  const spec = (queueName: string, config: Record<string, unknown> = {}) => ({ queueName, modules: [FAULTS.href], config, workerOptions: fast });

  beforeAll(async () => {
    redis = await startRedis();
    const specs = [spec("main"), spec("abort"), spec("variant-b", { variant: "b" })];
    workers.push(...(await Promise.all([spawnWorker(redis.url, specs), spawnWorker(redis.url, specs)])));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill("SIGKILL")));
    await redis?.stop();
  });

  it("spreads a parallel block over both worker processes", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "bullmq-log-")), "log");
    const dr = await driver(redis.url, "main");
    expect(await dr.execute(["squares"], { inputs: { n: 8, delay_ms: 100, log_file: log } })).toEqual({ squares: [0, 1, 4, 9, 16, 25, 36, 49] });
    const pids = new Set(readFileSync(log, "utf8").trim().split("\n").map((l) => l.split(" ")[0]));
    expect(pids.size).toBe(2);
  });

  it("node hooks fire in the driver for nodes the workers ran", async () => {
    const seen: string[] = [];
    const dr = await new Builder()
      .withModules(FAULTS)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(new BullMQExecutor({ connection: redis.url, queueName: "main" }))
      .withAdapters({ postNodeExecute: (a: { nodeName: string; taskId: string; success: boolean }) => void seen.push(`${a.nodeName}@${a.taskId}:${a.success}`) })
      .build();
    await dr.execute(["squares"], { inputs: { n: 2, delay_ms: 1 } });
    expect(seen.filter((s) => s.startsWith("slow_square@")).sort()).toEqual([expect.stringMatching(/\[0\]:true$/), expect.stringMatching(/\[1\]:true$/)]);
  });

  it("a node that throws: NodeExecutionError with node name, task id and the original stack", async () => {
    const dr = await driver(redis.url, "main");
    const error = await dr.execute(["booms"], { inputs: { n: 4 } }).then(() => undefined, (e: unknown) => e);
    expect(NodeExecutionError.isInstance(error)).toBe(true);
    const e = error as NodeExecutionError;
    expect(e.nodeName).toBe("boom");
    expect(e.taskId).toContain("[2]");
    expect(e.message).toContain("item 2 is cursed");
    expect((e.cause as Error).name).toBe("TypeError");
    expect((e.cause as Error).stack).toContain("bullmq-faults.mjs");
  });

  it("node errors are retried only when attempts asks for it", async () => {
    const once = await driver(redis.url, "main");
    const error = await once.execute(["flakies"], { inputs: { n: 3, marker_dir: mkdtempSync(join(tmpdir(), "flaky-")) } }).catch((e: unknown) => e);
    expect((error as NodeExecutionError).nodeName).toBe("flaky");
    const twice = await driver(redis.url, "main", { attempts: 2, backoff: 10 });
    const out = await twice.execute(["flakies"], { inputs: { n: 3, marker_dir: mkdtempSync(join(tmpdir(), "flaky-")) } });
    expect(out).toEqual({ flakies: [1000, 1001, 1002] });
  });

  it("a node's retry policy: the kernel sends each attempt as a job of its own, hooks see the attempt", async () => {
    const attempts: string[] = [];
    const dr = await new Builder()
      .withModules(FAULTS)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(new BullMQExecutor({ connection: redis.url, queueName: "main" }))
      .withAdapters({ preNodeExecute: (a: { nodeName: string; attempt?: number }) => void (a.nodeName === "flaky_retried" && attempts.push(String(a.attempt))) })
      .build();
    const out = await dr.execute(["retried"], { inputs: { n: 3, marker_dir: mkdtempSync(join(tmpdir(), "retried-")) } });
    expect(out).toEqual({ retried: [2000, 2001, 2002] });
    expect(attempts.sort()).toEqual(["1", "1", "1", "2", "2", "2"]);
  });

  it("a worker pinned to a config refuses a driver built with another", async () => {
    const dr = await driver(redis.url, "variant-b", {}, { variant: "a" });
    const error = await dr.execute(["squares"], { inputs: { n: 2, delay_ms: 1 } }).catch((e: unknown) => e);
    expect(GraphError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/serves only config \{"variant":"b"\}/);
  });

  it("abort: queued jobs of the run are removed and the run rejects with AbortError", async () => {
    const dr = await driver(redis.url, "abort");
    const ctl = new AbortController();
    const run = dr.execute(["squares"], { inputs: { n: 30, delay_ms: 200 }, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 400);
    const error = await run.catch((e: unknown) => e);
    expect((error as Error).name).toBe("AbortError");
    const queue = new Queue("abort", { connection: parseRedisUrl(redis.url) });
    try {
      expect(await queue.getWaitingCount()).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it("a worker SIGKILLed mid-job: another worker completes it, each item counted once", async () => {
    const specs = [spec("kill")];
    const env = { BULLMQ_TEST_LOG_ACTIVE: "1" };
    const [a, b] = await Promise.all([spawnWorker(redis.url, specs, env), spawnWorker(redis.url, specs, env)]);
    workers.push(a, b);
    const log = join(mkdtempSync(join(tmpdir(), "bullmq-log-")), "log");
    const dr = await driver(redis.url, "kill");
    const run = dr.execute(["squares"], { inputs: { n: 6, delay_ms: 600, log_file: log } });
    await waitFor(() => a.output().includes("ACTIVE"));
    await a.kill("SIGKILL");
    const out = await run;
    expect(out).toEqual({ squares: [0, 1, 4, 9, 16, 25] });
    // The killed worker finished nothing; the survivor ran every item exactly once, the orphaned one included.
    const done = readFileSync(log, "utf8").trim().split("\n").map((l) => l.split(" "));
    expect(done.every(([pid]) => pid === String(b.child.pid))).toBe(true);
    expect(done.map(([, item]) => Number(item)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  }, 20_000);

  it("the driver process exits on its own after execute (no close() needed)", async () => {
    const script = fileURLToPath(new URL("./fixtures/bullmq-exit-check.mjs", import.meta.url));
    const t0 = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, [...BULLMQ_MAJOR_FLAGS, script, redis.url, "main", FAULTS.href], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toEqual({ squares: [0, 1, 4] });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe.skipIf(!REDIS_BIN)("BullMQExecutor when Redis goes away", () => {
  it("Redis unreachable at the start: a clear rejection within the timeout", async () => {
    const port = await freePort();
    const dr = await driver(`redis://127.0.0.1:${port}`, "nowhere", { connectionTimeoutMs: 1000 });
    const t0 = Date.now();
    const error = await dr.execute(["squares"], { inputs: { n: 2, delay_ms: 1 } }).catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/cannot reach Redis at 127\.0\.0\.1:\d+ within 1000 ms/);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it("Redis stopped mid-run: a clear rejection within connectionTimeoutMs", async () => {
    const redis = await startRedis();
    const w = await spawnWorker(redis.url, [{ queueName: "gone", modules: [FAULTS.href], workerOptions: fast }]);
    try {
      const dr = await driver(redis.url, "gone", { connectionTimeoutMs: 1500 });
      const run = dr.execute(["squares"], { inputs: { n: 10, delay_ms: 300 } });
      await new Promise((r) => setTimeout(r, 400));
      const t0 = Date.now();
      await redis.stop();
      const error = await run.catch((e: unknown) => e);
      expect(String((error as Error).message)).toMatch(/lost Redis at 127\.0\.0\.1:\d+ for more than 1500 ms/);
      expect(Date.now() - t0).toBeLessThan(4000);
    } finally {
      await w.kill("SIGKILL");
      await redis.stop();
    }
  });

  it("Redis restarted (empty) mid-run: lost jobs are sent again and the run completes", async () => {
    const redis = await startRedis();
    const w = await Promise.all([0, 1].map(() => spawnWorker(redis.url, [{ queueName: "restart", modules: [FAULTS.href], workerOptions: fast }])));
    try {
      const dr = await driver(redis.url, "restart", { connectionTimeoutMs: 8000 });
      const run = dr.execute(["squares"], { inputs: { n: 8, delay_ms: 200 } });
      await new Promise((r) => setTimeout(r, 300));
      await redis.restart();
      expect(await run).toEqual({ squares: [0, 1, 4, 9, 16, 25, 36, 49] });
    } finally {
      await Promise.all(w.map((x) => x.kill("SIGKILL")));
      await redis.stop();
    }
  }, 30_000);
});

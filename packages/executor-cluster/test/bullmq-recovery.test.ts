// Recovery in seconds (issue 9): a stopped or killed worker's job runs again
// elsewhere with the default worker options; an endless node is stopped by its
// timeout with a TimeoutError naming it; Driver.close() mid-run leaves the
// executor usable; a queue nobody serves fails soon and clearly.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Builder, ExecutorError, NodeExecutionError, TimeoutError } from "@hamilton-ts/kernel";
import { BullMQExecutor, type BullMQExecutorOptions } from "../src/bullmq/index.js";
import { REDIS_BIN, spawnWorker, startRedis, waitFor, type RedisServer, type WorkerProcess } from "./bullmq-redis.js";

const FAULTS = new URL("./fixtures/bullmq-faults.mjs", import.meta.url);

describe.skipIf(!REDIS_BIN)("BullMQ: recovery, timeouts, closing, no worker", () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  const driver = (queueName: string, opts: Partial<BullMQExecutorOptions> = {}) =>
    new Builder()
      .withModules(FAULTS)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(new BullMQExecutor({ connection: redis.url, queueName, sweepIntervalMs: 500, ...opts }))
      .build();

  beforeAll(async () => {
    redis = await startRedis();
    // default worker options: what users get
    workers.push(await spawnWorker(redis.url, [{ queueName: "main", modules: [FAULTS.href], concurrency: 2 }]));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill("SIGKILL")));
    await redis?.stop();
  });

  it("an endless node with timeoutMs fails with a TimeoutError naming it; the worker replaces its thread and goes on", async () => {
    const dr = await driver("main");
    const t0 = Date.now();
    const error = await dr.execute(["stucks"], { inputs: { n: 3 } }).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error), String(error)).toBe(true);
    const e = error as TimeoutError;
    expect(e.nodeName).toBe("stuck");
    expect(e.taskId).toContain("[1]");
    expect(e.timeoutMs).toBe(800);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await dr.execute(["squares"], { inputs: { n: 4, delay_ms: 1 } })).toEqual({ squares: [0, 1, 4, 9] });
  });

  it("the executor's taskTimeoutMs bounds every task the same way (chunked too)", async () => {
    for (const chunkSize of [1, 3]) {
      const dr = await driver("main", { taskTimeoutMs: 600, chunkSize });
      const error = await dr.execute(["stuck_all"], { inputs: { n: 3 } }).catch((e: unknown) => e);
      expect(TimeoutError.isInstance(error), String(error)).toBe(true);
      expect((error as TimeoutError).nodeName).toBe("stuck_forever");
      expect((error as TimeoutError).taskId).toContain("[1]");
    }
  });

  it("a thread killed under a task (an uncaught exception in a timer) fails it with ExecutorError 'worker-died' naming the node; the worker goes on", async () => {
    const dr = await driver("main", { chunkSize: 3 });
    const error = await dr.execute(["all_doomed"], { inputs: { n: 3 } }).catch((e: unknown) => e);
    expect(NodeExecutionError.isInstance(error), String(error)).toBe(true);
    expect((error as NodeExecutionError).nodeName).toBe("doomed");
    expect((error as NodeExecutionError).taskId).toContain("[1]");
    const cause = (error as Error).cause as ExecutorError;
    expect(ExecutorError.isInstance(cause)).toBe(true);
    expect(cause.reason).toBe("worker-died");
    expect(cause.message).toMatch(/thrown in a timer/);
    expect(await dr.execute(["squares"], { inputs: { n: 3, delay_ms: 1 } })).toEqual({ squares: [0, 1, 4] });
  });

  it("Driver.close() mid-run: the run fails with ExecutorError 'closed'; the next run is quick and right", async () => {
    const dr = await driver("main");
    const run = dr.execute(["squares"], { inputs: { n: 6, delay_ms: 500 } }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await dr.close();
    const error = await run;
    expect(NodeExecutionError.isInstance(error), String(error)).toBe(true);
    expect(ExecutorError.isInstance((error as Error).cause)).toBe(true);
    expect(((error as Error).cause as ExecutorError).reason).toBe("closed");
    const t0 = Date.now();
    expect(await dr.execute(["squares"], { inputs: { n: 3, delay_ms: 1 } })).toEqual({ squares: [0, 1, 4] });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it("a queue nobody serves: tasks fail soon with ExecutorError 'unavailable' that says what to start", async () => {
    const dr = await driver("nobody", { noWorkerTimeoutMs: 1500 });
    const t0 = Date.now();
    const error = await dr.execute(["squares"], { inputs: { n: 2, delay_ms: 1 } }).catch((e: unknown) => e);
    expect(NodeExecutionError.isInstance(error), String(error)).toBe(true);
    const cause = (error as Error).cause as ExecutorError;
    expect(ExecutorError.isInstance(cause)).toBe(true);
    expect(cause.reason).toBe("unavailable");
    expect(cause.message).toMatch(/No BullMQ worker is listening on queue "nobody".*hamilton-ts worker/);
    expect(Date.now() - t0).toBeLessThan(8000);
  });

  it("a busy fleet is not taken for a missing one: long jobs outlast a short noWorkerTimeoutMs", async () => {
    const dr = await driver("main", { noWorkerTimeoutMs: 500 });
    expect(await dr.execute(["squares"], { inputs: { n: 3, delay_ms: 2500 } })).toEqual({ squares: [0, 1, 4] });
  }, 15_000);

  it("a fleet that starts a moment after the driver is waited for", async () => {
    const dr = await driver("late", { noWorkerTimeoutMs: 15_000 });
    const run = dr.execute(["squares"], { inputs: { n: 3, delay_ms: 1 } });
    await new Promise((r) => setTimeout(r, 1500));
    workers.push(await spawnWorker(redis.url, [{ queueName: "late", modules: [FAULTS.href] }]));
    expect(await run).toEqual({ squares: [0, 1, 4] });
  }, 20_000);

  it("a SIGSTOPped worker's job is run by another worker within seconds (default lock options)", async () => {
    const env = { BULLMQ_TEST_LOG_ACTIVE: "1" };
    const spec = [{ queueName: "stop", modules: [FAULTS.href] }];
    const [a, b] = await Promise.all([spawnWorker(redis.url, spec, env), spawnWorker(redis.url, spec, env)]);
    workers.push(a, b);
    const log = join(mkdtempSync(join(tmpdir(), "bullmq-stop-")), "log");
    const dr = await driver("stop");
    const run = dr.execute(["squares"], { inputs: { n: 2, delay_ms: 1500, log_file: log } });
    await waitFor(() => a.output().includes("ACTIVE") && b.output().includes("ACTIVE"));
    const t0 = Date.now();
    a.child.kill("SIGSTOP");
    try {
      expect(await run).toEqual({ squares: [0, 1] });
      const ms = Date.now() - t0;
      expect(ms).toBeLessThan(15_000); // hang guard; BullMQ's defaults took ~90 s
      const done = readFileSync(log, "utf8").trim().split("\n").map((l) => l.split(" ")[0]);
      expect(done.every((pid) => pid === String(b.child.pid))).toBe(true);
    } finally {
      a.child.kill("SIGCONT");
      await a.kill("SIGKILL");
    }
  }, 30_000);
});

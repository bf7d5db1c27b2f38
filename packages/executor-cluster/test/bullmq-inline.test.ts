// Tiny tasks run in the BullMQ worker's main thread once the threads have shown
// them to cost less than the hop to a thread (issue 14); a task with a timeout,
// and a template that ever killed its thread, always run in a thread.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Builder } from "@hamilton-ts/kernel";
import { BullMQExecutor, startWorker, type BullMQWorkerHandle } from "../src/bullmq/index.js";
import { REDIS_BIN, startRedis, type RedisServer } from "./bullmq-redis.js";

const TINY = new URL("./fixtures/bullmq-tiny.mjs", import.meta.url);
const queueName = "inline";

describe.skipIf(!REDIS_BIN)("BullMQ: tiny tasks inline", () => {
  let redis: RedisServer;
  let worker: BullMQWorkerHandle;

  beforeAll(async () => {
    redis = await startRedis();
    // in-process worker, so the node's threadId 0 is this process's main thread
    worker = await startWorker({ connection: redis.url, queueName, modules: [TINY], concurrency: 2, execArgv: [] });
  }, 30_000);

  afterAll(async () => {
    await worker?.close();
    await redis?.stop();
  });

  const driver = () =>
    new Builder()
      .withModules(TINY)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(new BullMQExecutor({ connection: redis.url, queueName, chunkSize: 50 }))
      .build();

  /** Threads seen by the tasks of `runs` runs of `target` (the last run's, and all of them). */
  const threadsOf = async (target: string, runs: number, inputs: Record<string, unknown> = {}) => {
    const dr = await driver();
    let last: number[] = [];
    const all = new Set<number>();
    for (let r = 0; r < runs; r++) {
      last = ((await dr.execute([target], { inputs: { n: 400, ...inputs } })) as Record<string, number[]>)[target]!;
      for (const t of last) all.add(t);
    }
    return { last: new Set(last), all };
  };

  it("trivial tasks start in threads, then run in the main thread", async () => {
    const { last, all } = await threadsOf("wheres", 8);
    expect([...all].some((t) => t !== 0)).toBe(true);
    expect([...last]).toEqual([0]);
  }, 30_000);

  it("inlineTinyTasks: false keeps every task in the threads", async () => {
    const threadsOnly = await startWorker({ connection: redis.url, queueName: "threads-only", modules: [TINY], execArgv: [], inlineTinyTasks: false });
    try {
      const dr = await new Builder()
        .withModules(TINY)
        .enableDynamicExecution({ allowExperimentalMode: true })
        .withRemoteExecutor(new BullMQExecutor({ connection: redis.url, queueName: "threads-only", chunkSize: 50 }))
        .build();
      const seen = new Set<number>();
      for (let r = 0; r < 8; r++) for (const t of (await dr.execute(["wheres"], { inputs: { n: 400 } })).wheres as number[]) seen.add(t);
      expect(seen.has(0)).toBe(false);
    } finally {
      await threadsOnly.close();
    }
  }, 30_000);

  it("a task with a timeout always runs in a thread, where an overrun can be stopped", async () => {
    const { all } = await threadsOf("timed_wheres", 8);
    expect(all.has(0)).toBe(false);
  }, 30_000);

  it("a template that killed its thread never runs in the main thread (it would take the worker down)", async () => {
    // the thread dies after item 7 answered, or under a later task: the run may fail or not, the worker goes on
    await (await driver()).execute(["fragiles"], { inputs: { n: 400, kill_at: 7 } }).catch((e: unknown) => e);
    const { all } = await threadsOf("fragiles", 8);
    expect(all.has(0)).toBe(false);
  }, 30_000);
});

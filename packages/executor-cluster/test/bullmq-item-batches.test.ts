// Item batches over BullMQ: with chunkSize above 1, a block's branches go as
// one task of chunkSize items, a job of their own; nothing a user sees changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Builder, NodeExecutionError } from "@hamilton-ts/kernel";
import type { Task } from "@hamilton-ts/kernel/contracts";
import { BullMQExecutor, startWorker, type BullMQWorkerHandle } from "../src/bullmq/index.js";
import { REDIS_BIN, startRedis, type RedisServer } from "./bullmq-redis.js";

const ITEMS = new URL("./fixtures/bullmq-items.mjs", import.meta.url);
const queueName = "item-batches";

/** Counts the item batches it is given. */
class Counting extends BullMQExecutor {
  batches = 0;
  branches = 0;
  override submitTask(task: Task) {
    if (task.items) this.batches++;
    else if (task.block) this.branches++;
    return super.submitTask(task);
  }
}

describe.skipIf(!REDIS_BIN)("BullMQ: item batches", () => {
  let redis: RedisServer;
  let worker: BullMQWorkerHandle;
  const executors: BullMQExecutor[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startWorker({ connection: redis.url, queueName, modules: [ITEMS], concurrency: 2, execArgv: [] });
  }, 30_000);

  afterAll(async () => {
    for (const e of executors) await e.close();
    await worker?.close();
    await redis?.stop();
  });

  const driver = async (options: { chunkSize: number; taskTimeoutMs?: number; adapters?: object[] }) => {
    const ex = new Counting({ connection: redis.url, queueName, chunkSize: options.chunkSize, taskTimeoutMs: options.taskTimeoutMs });
    executors.push(ex);
    let b = new Builder().withModules(ITEMS).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(ex);
    if (options.adapters) b = b.withAdapters(...options.adapters);
    return { ex, dr: await b.build() };
  };

  it("branches go as tasks of chunkSize items, one job each; results in order; no more payload bytes per branch", async () => {
    const { ex, dr } = await driver({ chunkSize: 50 });
    expect(await dr.execute(["all"], { inputs: { n: 1_001 } })).toEqual({ all: Array.from({ length: 1_001 }, (_, i) => i * 2) });
    expect(ex.batches).toBe(20); // the first branch alone (it shows the executor), then 1,000 in batches of 50
    expect(ex.branches).toBe(1);
    // without batches (node hooks make each branch a task of its own), chunks of 50 tasks: ~9 bytes per branch, ~8 with
    const plain = await driver({ chunkSize: 50, adapters: [{ preNodeExecute: () => undefined }] });
    expect(await plain.dr.execute(["all"], { inputs: { n: 1_001 } })).toEqual({ all: Array.from({ length: 1_001 }, (_, i) => i * 2) });
    expect(plain.ex.batches).toBe(0);
    const perBranch = (e: BullMQExecutor, branches: number) => e.payloadStats.bytes / branches;
    expect(perBranch(ex, 1_001)).toBeLessThan(perBranch(plain.ex, 1_001));
  }, 60_000);

  it("a failing item fails the run naming its own task id and the worker's error", async () => {
    const { dr } = await driver({ chunkSize: 50 });
    const e = (await dr.execute(["all"], { inputs: { n: 500, bad: 377 } }).catch((x: unknown) => x)) as NodeExecutionError;
    expect(NodeExecutionError.isInstance(e)).toBe(true);
    expect(e.nodeName).toBe("doubled");
    expect(e.taskId).toBe("block-items[377]");
    expect((e.cause as Error).message).toBe("item 377 is bad");
    expect((e.cause as Error).name).toBe("RangeError");
  }, 60_000);

  it("values cross a batch as they would alone", async () => {
    const { ex, dr } = await driver({ chunkSize: 8 });
    const values = [new Uint8Array([1, 2]), new Map([["k", [1n]]]), new Date(3), { __proto__: null, bare: 1 }, [[[]]], -0, Number.NaN, "x".repeat(3_000), { h: 2, s: "x", p: "AAAA" }, null];
    const out = (await dr.execute(["echoes"], { inputs: { values: [0, ...values, ...values] } })).echoes as unknown[];
    expect(ex.batches).toBeGreaterThan(0);
    expect(out).toEqual([0, ...values, ...values]);
  }, 60_000);

  it("chunkSize 1 or a taskTimeoutMs: one task per branch", async () => {
    for (const options of [{ chunkSize: 1 }, { chunkSize: 50, taskTimeoutMs: 30_000 }]) {
      const { ex, dr } = await driver(options);
      expect(await dr.execute(["all"], { inputs: { n: 120 } })).toEqual({ all: Array.from({ length: 120 }, (_, i) => i * 2) });
      expect(ex.batches).toBe(0);
      expect(ex.branches).toBe(120);
    }
  }, 60_000);
});

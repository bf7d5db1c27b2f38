// Issue 9's hostile-values arbitraries through BullMQ on a real Redis, as
// inputs and outputs: the driver's executor and a worker started in this
// process (so an import the values provoke there would show in wasPwned()).
import { afterAll, beforeAll, describe, test } from "vitest";
import { checkHostileValuesThrough, HOSTILE_ECHO } from "../../kernel/test/executor-hostile-values.js";
import { BullMQExecutor, startWorker, type BullMQWorkerHandle } from "../src/bullmq/index.js";
import { REDIS_BIN, startRedis, type RedisServer } from "./bullmq-redis.js";

const queueName = "hostile-values";

describe.skipIf(!REDIS_BIN)("BullMQ: the hostile-values suite", () => {
  let redis: RedisServer;
  let worker: BullMQWorkerHandle;
  let executor: BullMQExecutor;

  beforeAll(async () => {
    redis = await startRedis();
    // its threads load the built kernel (no source conditions, no tsx)
    worker = await startWorker({ connection: redis.url, queueName, modules: [HOSTILE_ECHO], concurrency: 2, execArgv: [] });
    executor = new BullMQExecutor({ connection: redis.url, queueName, taskTimeoutMs: 15_000 });
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled([executor?.close(), worker?.close()]);
    await redis?.stop();
  });

  test("hostile values through the queue and back: equal (sharing, cycles, own buffers), or a SerializationError naming the node; no hang, crash or import", async () => {
    await checkHostileValuesThrough(executor, { numRuns: 30, poisonRuns: 9 });
  }, 120_000);
});

import { afterAll, beforeAll, describe } from "vitest";
import { DefaultExecutionManager, GroupByRepeatableBlocks } from "@hamilton-ts/kernel";
import { describeScenarios, scenarios } from "../../kernel/test/scenarios/suite.js";
import { BullMQExecutor } from "../src/bullmq/index.js";
import { REDIS_BIN, spawnWorker, startRedis, type RedisServer, type WorkerProcess } from "./bullmq-redis.js";

if (!REDIS_BIN) console.warn("redis-server is not installed: skipping the BullMQ scenario suite (apt-get install redis-server).");

describe.skipIf(!REDIS_BIN)("BullMQExecutor: the kernel's scenarios with two worker processes", () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  // one queue per scenario: each worker serves every scenario's modules and config
  const queueOf = (i: number) => `scenario-${i}`;

  beforeAll(async () => {
    redis = await startRedis();
    const specs = scenarios.map((s, i) => ({ queueName: queueOf(i), modules: s.modules.map((u) => u.href), config: s.config ?? {} }));
    workers.push(...(await Promise.all([spawnWorker(redis.url, specs), spawnWorker(redis.url, specs)])));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await redis?.stop();
  });

  const executorFor = (i: number, chunkSize?: number) =>
    new BullMQExecutor({ connection: redis.url, queueName: queueOf(i), chunkSize, taskTimeoutMs: 15_000 });

  describeScenarios((b, _s, i) => b.withRemoteExecutor(executorFor(i)));

  describe("every task on BullMQ (local executor too)", () => {
    describeScenarios(
      (b, _s, i) => {
        const executor = executorFor(i);
        return b.withExecutionManager(new DefaultExecutionManager({ localExecutor: executor, remoteExecutor: executor }));
      },
      { groupings: [GroupByRepeatableBlocks] },
    );
  });

  describe("chunks of 3 branch tasks per job", () => {
    describeScenarios((b, _s, i) => b.withRemoteExecutor(executorFor(i, 3)), { groupings: [GroupByRepeatableBlocks] });
  });
});

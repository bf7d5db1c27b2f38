import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Builder,
  DefaultExecutionManager,
  GroupByRepeatableBlocks,
  GroupNodesAllAsOne,
  GroupNodesByLevel,
  GroupNodesIndividually,
  type GroupingStrategy,
} from "@hamilton-ts/kernel";
import { BullMQExecutor } from "../src/bullmq/index.js";
import { REDIS_BIN, spawnWorker, startRedis, type RedisServer, type WorkerProcess } from "./bullmq-redis.js";
// @ts-expect-error plain ESM without types, shared by every executor's suite
import { scenarios as allScenarios } from "../../kernel/test/scenarios/index.mjs";

interface Scenario {
  name: string;
  modules: URL[];
  config?: Record<string, unknown>;
  finalVars: string[];
  inputs?: Record<string, unknown>;
  overrides?: Record<string, unknown>;
  expected: Record<string, unknown>;
}
const scenarios = allScenarios as Scenario[];

if (!REDIS_BIN) console.warn("redis-server is not installed: skipping the BullMQ scenario suite (apt-get install redis-server).");

const groupings: Array<[string, () => GroupingStrategy]> = [
  ["GroupByRepeatableBlocks", () => new GroupByRepeatableBlocks()],
  ["GroupNodesIndividually", () => new GroupNodesIndividually()],
  ["GroupNodesAllAsOne", () => new GroupNodesAllAsOne()],
  ["GroupNodesByLevel", () => new GroupNodesByLevel()],
];

describe.skipIf(!REDIS_BIN)("BullMQExecutor: the kernel's scenarios with two worker processes", () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
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

  async function run(s: Scenario, i: number, grouping: GroupingStrategy, opts: { allRemote?: boolean; chunkSize?: number } = {}) {
    const executor = new BullMQExecutor({ connection: redis.url, queueName: queueOf(i), chunkSize: opts.chunkSize, taskTimeoutMs: 15_000 });
    const b = new Builder().withModules(...s.modules).withConfig(s.config ?? {}).enableDynamicExecution({ allowExperimentalMode: true }).withGroupingStrategy(grouping);
    if (opts.allRemote) b.withExecutionManager(new DefaultExecutionManager({ localExecutor: executor, remoteExecutor: executor }));
    else b.withRemoteExecutor(executor);
    const dr = await b.build();
    return dr.execute(s.finalVars, { inputs: s.inputs ?? {}, overrides: s.overrides ?? {} });
  }

  for (const [gName, grouping] of groupings) {
    describe(gName, () => {
      scenarios.forEach((s, i) => {
        it(s.name, async () => {
          expect(await run(s, i, grouping())).toEqual(s.expected);
        });
      });
    });
  }

  describe("every task on BullMQ (local executor too)", () => {
    scenarios.forEach((s, i) => {
      it(s.name, async () => {
        expect(await run(s, i, new GroupByRepeatableBlocks(), { allRemote: true })).toEqual(s.expected);
      });
    });
  });

  describe("chunks of 3 branch tasks per job", () => {
    scenarios.forEach((s, i) => {
      it(s.name, async () => {
        expect(await run(s, i, new GroupByRepeatableBlocks(), { chunkSize: 3 })).toEqual(s.expected);
      });
    });
  });
});

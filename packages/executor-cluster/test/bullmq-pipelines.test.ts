// One worker fleet serving three pipelines whose node names overlap (issue 10):
// each job names its modules and config, the workers build one graph per setup.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Builder, DataValidationError, GraphError, NodeExecutionError } from "@hamilton-ts/kernel";
import { BullMQExecutor } from "../src/bullmq/index.js";
import { REDIS_BIN, spawnWorker, startRedis, type RedisServer, type WorkerProcess } from "./bullmq-redis.js";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const A = fixture("bullmq-pipeline-a.mjs");
const B = fixture("bullmq-pipeline-b.mjs");
const C = fixture("bullmq-pipeline-c.mjs");
const CHECKS = fixture("bullmq-checks.mjs");

describe.skipIf(!REDIS_BIN)("BullMQ: one worker fleet, many pipelines", () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  const queueName = "many";

  beforeAll(async () => {
    redis = await startRedis();
    const spec = { queueName, modules: [A.href, B.href, C.href, CHECKS.href], concurrency: 2 };
    workers.push(...(await Promise.all([spawnWorker(redis.url, [spec]), spawnWorker(redis.url, [spec])])));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill("SIGKILL")));
    await redis?.stop();
  });

  const driver = (modules: URL[], config: Record<string, unknown> = {}, chunkSize = 1) =>
    new Builder()
      .withModules(...modules)
      .withConfig(config)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(new BullMQExecutor({ connection: redis.url, queueName, chunkSize, noWorkerTimeoutMs: 10_000 }))
      .build();

  it("runs pipelines A, B and C (two configs) at once on the same queue, each on its own graph", async () => {
    // one driver per run: concurrent runs on one driver are the kernel's concurrency suite's
    const [a, b, b2, cUpper, cTwice, aChunked] = await Promise.all([
      driver([A]),
      driver([B]),
      driver([B]),
      driver([C], { mode: "upper" }),
      driver([C], { mode: "twice" }),
      driver([A], {}, 4),
    ]);
    const runs = await Promise.all([
      a.execute(["final"], { inputs: { n: 5 } }),
      b.execute(["final"], { inputs: { n: 3 } }),
      cUpper.execute(["final"], { inputs: { n: 3 } }),
      cTwice.execute(["final"], { inputs: { n: 2, sep: "-" } }),
      aChunked.execute(["final"], { inputs: { n: 10 } }),
      b2.execute(["final"], { inputs: { n: 2, offset: 0 } }),
    ]);
    expect(runs).toEqual([
      { final: "a:20" },
      { final: "b:300,303,306" },
      { final: "c:W0|W1|W2" },
      { final: "c:w0-w0|w1-w1" },
      { final: "a:90" },
      { final: "b:0,3" },
    ]);
  }, 30_000);

  it("a driver whose module sits at another path is served by the worker's module of that name", async () => {
    const moved = await driver([fixture("bullmq-moved/bullmq-pipeline-a.mjs")]);
    expect(await moved.execute(["final"], { inputs: { n: 3 } })).toEqual({ final: "a:6" });
  });

  it("checkOutput runs in the workers: results reach the driver with no node hooks, and a failed 'fail' check fails the node", async () => {
    for (const chunkSize of [1, 3]) {
      const dr = await driver([CHECKS], {}, chunkSize);
      expect(await dr.execute(["checked_all"], { inputs: { n: 3 } })).toEqual({ checked_all: [1, 2, 3] });
      const results = dr.validationResults();
      expect(results.map((r) => [r.nodeName, r.passed]).sort()).toEqual([["checked", false], ["checked", true], ["checked", true]]);
      const err = await dr.execute(["strict_all"], { inputs: { n: 3 } }).catch((e: unknown) => e);
      const cause = NodeExecutionError.isInstance(err) ? (err.cause as Error) : (err as Error);
      expect(DataValidationError.isInstance(cause), String(err)).toBe(true);
      expect((cause as DataValidationError).nodeName).toBe("strict");
    }
  });

  it("a job naming a module outside the worker's list is refused with a clear error", async () => {
    const dr = await driver([A, fixture("bullmq-pipeline-d.mjs")]);
    const error = await dr.execute(["final"], { inputs: { n: 2 } }).catch((e: unknown) => e);
    expect(GraphError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/needs module ".*bullmq-pipeline-d\.mjs", but it is not in this worker's modules/);
  });
});

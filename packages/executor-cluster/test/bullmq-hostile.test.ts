// Hostile input on both sides of the queue (issue 9): crafted jobs are refused
// fast and the worker stays healthy with good jobs flowing; values the driver
// cannot send fail the run with a SerializationError naming the node, never
// the driver process.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { serialize } from "node:v8";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Builder, SerializationError } from "@hamilton-ts/kernel";
import { TaskRunner, WIRE_KEY } from "@hamilton-ts/kernel/remote";
import { BullMQExecutor, parseRedisUrl, startWorker, type BullMQWorkerHandle } from "../src/bullmq/index.js";
import { fromBase64, JOB_NAME, toBase64, type JobOutcome, type JobPayload } from "../src/bullmq/job-format.js";
import { encodeSetup, setupKey } from "../src/bullmq/run-setup.js";
import { REDIS_BIN, startRedis, type RedisServer } from "./bullmq-redis.js";

const FAULTS = new URL("./fixtures/bullmq-faults.mjs", import.meta.url);
const queueName = "hostile";

describe.skipIf(!REDIS_BIN)("BullMQ: crafted jobs and values that cannot cross", () => {
  let redis: RedisServer;
  let worker: BullMQWorkerHandle;
  let queue: Queue;
  let events: QueueEvents;
  let client: Redis;
  let fingerprint: string;

  beforeAll(async () => {
    redis = await startRedis();
    // in-process worker; its threads load the built kernel (no source conditions, no tsx)
    worker = await startWorker({ connection: redis.url, queueName, modules: [FAULTS], concurrency: 2, maxPayloadBytes: 1 << 20, decodeTimeoutMs: 2000, execArgv: [] });
    queue = new Queue(queueName, { connection: parseRedisUrl(redis.url) });
    events = new QueueEvents(queueName, { connection: parseRedisUrl(redis.url) });
    client = new Redis(parseRedisUrl(redis.url));
    await events.waitUntilReady();
    fingerprint = (await TaskRunner.create({ modules: [FAULTS.href] })).fingerprint;
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled([worker?.close(), queue?.close(), events?.close(), client?.quit()]);
    await redis?.stop();
  });

  const setup = async (over: Record<string, unknown> = {}) => {
    const s = encodeSetup({ modules: [FAULTS.href], config: {}, allowModuleOverrides: false, fingerprint, ...over });
    await client.set(setupKey("bull", queueName, s.id), s.blob);
    return s.id;
  };
  const payload = (p: Partial<JobPayload> & { values: unknown[] }) =>
    toBase64({ shapes: [{ nodes: ["slow_square"], inputs: ["items", "delay_ms"], outputs: ["slow_square"], expanders: [] }], count: 1, ...p });
  // a codec envelope as the kernel's encoder writes one (see the kernel's wire-format.ts), naming a codec of a module the worker does not allow
  const envelopeOf = (entry: { id: string; module: string; data: unknown }) => ({ [WIRE_KEY]: 1, value: entry, root: true, codecs: [entry] });
  const outcomeOf = async (data: unknown) => {
    const job = await queue.add(JOB_NAME, data as never);
    return fromBase64(await job.waitUntilFinished(events, 20_000)) as JobOutcome;
  };
  const refusal = (o: JobOutcome) => o.refused?.error.message ?? o.failures?.[0]?.[1].error.message ?? "";

  it("refuses every crafted job with a clear reason, while good runs on the same queue go on", async () => {
    const good = await setup();
    const cyclic: Record<string, unknown> = {};
    cyclic.a = cyclic;
    cyclic.b = cyclic;
    let deep = Buffer.from([0xff, 0x0f]);
    deep = Buffer.concat([deep, Buffer.alloc(200_000, Buffer.from([0x41, 0x01]))]);
    const markerDir = mkdtempSync(join(tmpdir(), "hostile-"));
    const evil = pathToFileURL(join(markerDir, "evil.mjs")).href;
    // each crafted job is refused for the reason given, or ("runs") is plain data that runs like any other
    const crafted: Array<[string, unknown, RegExp | "runs"]> = [
      ["garbage", { foo: 1 }, /is not a hamilton-ts task/],
      ["not v8", { h: 2, s: good, p: Buffer.from("not v8 at all").toString("base64") }, /cannot be decoded/],
      ["huge", { h: 2, s: good, p: "A".repeat(2 << 20) }, /over this worker's maxPayloadBytes/],
      ["deep", { h: 2, s: good, p: deep.toString("base64") }, /cannot be decoded/],
      ["cyclic, shared", { h: 2, s: good, p: payload({ values: [cyclic, 1] }) }, "runs"],
      ["unknown codec module", { h: 2, s: good, p: payload({ values: [envelopeOf({ id: "evil/x", module: evil, data: 1 }), 1] }) }, /"evil\/x" from module ".*evil\.mjs", which is not on this side's allow-list/],
      ["marker key as data", { h: 2, s: good, p: payload({ values: [{ __hamiltonCodec__: "evil/x", module: evil, data: 1 }, 1] }) }, "runs"],
      ["wrong fingerprint", { h: 2, s: await setup({ fingerprint: "deadbeef" }), p: payload({ values: [1, 1] }) }, /graph differs from this worker's/],
      ["wrong modules", { h: 2, s: await setup({ modules: ["file:///etc/evil.mjs"] }), p: payload({ values: [1, 1] }) }, /needs module "file:\/\/\/etc\/evil\.mjs", but it is not in this worker's modules/],
      ["unknown setup", { h: 2, s: "no-such-setup", p: payload({ values: [1, 1] }) }, /not in Redis/],
      ["unknown node", { h: 2, s: good, p: payload({ shapes: [{ nodes: ["rm_rf"], inputs: [], outputs: ["rm_rf"], expanders: [] }], values: [] }) }, /names node "rm_rf"/],
      ["wrong counts", { h: 2, s: good, p: payload({ count: 5, values: [1] }) }, /input values for/],
    ];
    const dr = await new Builder()
      .withModules(FAULTS)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(new BullMQExecutor({ connection: redis.url, queueName }))
      .build();
    const t0 = Date.now();
    const [outcomes, run] = await Promise.all([
      Promise.all(crafted.map(([, data]) => outcomeOf(data))),
      dr.execute(["squares"], { inputs: { n: 6, delay_ms: 1 } }),
    ]);
    expect(run).toEqual({ squares: [0, 1, 4, 9, 16, 25] });
    outcomes.forEach((o, i) => {
      const [what, , why] = crafted[i]!;
      if (why === "runs") {
        expect(o.outputs, what).toHaveLength(1);
        expect(o.refused ?? o.failures, what).toBeUndefined();
        return;
      }
      expect(o.outputs, what).toEqual([]);
      expect(refusal(o), what).toMatch(why);
    });
    expect(existsSync(join(markerDir, "imported"))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(20_000); // hang guard
    // still healthy afterwards
    expect(await dr.execute(["squares"], { inputs: { n: 3, delay_ms: 1 } })).toEqual({ squares: [0, 1, 4] });
  }, 40_000);

  it("a module that fails to import fails startWorker, naming the module and why", async () => {
    const broken = new URL("./fixtures/bullmq-broken.mjs", import.meta.url);
    await expect(startWorker({ connection: redis.url, queueName: "broken", modules: [FAULTS, broken], execArgv: [] })).rejects.toThrow(
      /Cannot import module .*bullmq-broken\.mjs.*broken at import/,
    );
  });

  it("inputs that cannot cross fail the run with a SerializationError naming the node, and the driver lives on", async () => {
    const dr = await new Builder()
      .withModules(FAULTS)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withRemoteExecutor(new BullMQExecutor({ connection: redis.url, queueName }))
      .build();
    let fnDeep: Record<string, unknown> = { f: () => 1 };
    for (let i = 0; i < 70; i++) fnDeep = { x: fnDeep };
    let deep: unknown[] = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    for (const value of [new SharedArrayBuffer(8), fnDeep, deep]) {
      const error = await dr.execute(["squares"], { inputs: { n: 2, delay_ms: value } }).catch((e: unknown) => e);
      expect(SerializationError.isInstance(error), String(error)).toBe(true);
      expect((error as SerializationError).nodeName).toBe("delay_ms");
      expect((error as Error).message).toMatch(/"delay_ms"/);
    }
    expect(() => serialize(deep)).toThrow(); // the value really is one v8 refuses
    expect(await dr.execute(["squares"], { inputs: { n: 2, delay_ms: 1 } })).toEqual({ squares: [0, 1] });
  });
});

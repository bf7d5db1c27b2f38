// Concurrent runs under BullMQ (issue 9): N overlapping runs with different
// inputs, random aborts and failures, on one shared executor. Every run that is
// not aborted equals its sequential result, hooks' runIds never mix, and a
// driver process exits by itself afterwards.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Builder, GroupByRepeatableBlocks, GroupNodesByLevel, NodeExecutionError, type Driver } from "@hamilton-ts/kernel";
import { describeConcurrency } from "../../kernel/test/scenarios/concurrency.js";
import { BullMQExecutor } from "../src/bullmq/index.js";
import { BULLMQ_MAJOR_FLAGS, REDIS_BIN, spawnWorker, startRedis, type RedisServer, type WorkerProcess } from "./bullmq-redis.js";

const FAULTS = new URL("./fixtures/bullmq-faults.mjs", import.meta.url);
const queueName = "concurrent";
const KERNEL_SUITE = new URL("../../kernel/test/scenarios/concurrent-runs.mjs", import.meta.url);

/** A small seeded PRNG, so a failing mix can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Plan = { readonly n: number; readonly kind: "ok" | "abort" | "fail"; readonly abortAfterMs: number };

describe.skipIf(!REDIS_BIN)("BullMQ: concurrent runs on one executor", () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    // one fleet for both pipelines: this file's and the kernel's concurrency suite's
    const spec = [{ queueName, modules: [FAULTS.href, KERNEL_SUITE.href], concurrency: 2 }];
    workers.push(...(await Promise.all([spawnWorker(redis.url, spec), spawnWorker(redis.url, spec)])));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill("SIGKILL")));
    await redis?.stop();
  });

  // the kernel's suite: many runs on one driver
  describe("the kernel's concurrency suite on one driver", () => {
    describeConcurrency((b) => b.withRemoteExecutor(new BullMQExecutor({ connection: redis.url, queueName, chunkSize: 2 })), {
      groupings: [GroupByRepeatableBlocks, GroupNodesByLevel],
      numRuns: 4,
      timeoutMs: 60_000,
    });
  });

  // and many drivers sharing one executor
  for (const count of [2, 7, 20]) {
    it(`${count} overlapping runs of as many drivers on one executor, with aborts and failures: each equals its sequential result; runIds never mix`, async () => {
      const seed = 1000 + count;
      const rnd = prng(seed);
      const plans: Plan[] = Array.from({ length: count }, (_, i) => {
        const r = rnd();
        return { n: 1 + Math.floor(rnd() * 6), kind: i === 0 ? "ok" : r < 0.2 ? "abort" : r < 0.35 ? "fail" : "ok", abortAfterMs: Math.floor(rnd() * 40) };
      });
      const executor = new BullMQExecutor({ connection: redis.url, queueName, chunkSize: 1 + (count % 3) });
      const seen = new Map<string, { n: number; nodes: string[] }>();
      const hooks = {
        preGraphExecute: (a: { runId: string; inputs: Record<string, unknown> }) => void seen.set(a.runId, { n: a.inputs.n as number, nodes: [] }),
        postNodeExecute: (a: { runId: string; nodeName: string; taskId: string }) => void seen.get(a.runId)?.nodes.push(`${a.nodeName}@${a.taskId}`),
      };
      const build = (): Promise<Driver> =>
        new Builder().withModules(FAULTS).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(executor).withAdapters(hooks).build();
      const drivers = await Promise.all(plans.map(() => build()));
      const t0 = Date.now();
      const results = await Promise.all(
        plans.map((p, i) => {
          const ctl = new AbortController();
          if (p.kind === "abort") setTimeout(() => ctl.abort(), p.abortAfterMs);
          const outputs = p.kind === "fail" ? ["booms"] : ["squares"];
          const inputs = p.kind === "fail" ? { n: Math.max(3, p.n) } : { n: p.n, delay_ms: 1 + (i % 5) };
          return drivers[i]!.execute(outputs, { inputs, signal: ctl.signal }).then(
            (out) => ({ ok: true as const, out }),
            (error: unknown) => ({ ok: false as const, error }),
          );
        }),
      );
      expect(Date.now() - t0, `seed ${seed}`).toBeLessThan(30_000); // hang guard
      results.forEach((r, i) => {
        const p = plans[i]!;
        const why = `seed ${seed}, run ${i} (${p.kind}, n=${p.n})`;
        if (p.kind === "fail") {
          expect(r.ok, why).toBe(false);
          expect(NodeExecutionError.isInstance(!r.ok && r.error) && (r.error as NodeExecutionError).nodeName, why).toBe("boom");
        } else if (p.kind === "ok") {
          expect(r, why).toEqual({ ok: true, out: { squares: Array.from({ length: p.n }, (_, k) => k * k) } });
        } else if (!r.ok) {
          expect((r.error as Error).name, why).toBe("AbortError");
        } else {
          expect(r.out, why).toEqual({ squares: Array.from({ length: p.n }, (_, k) => k * k) }); // finished before the abort
        }
      });
      // every node event went to the run it belongs to
      for (const [runId, { n, nodes }] of seen) {
        const squares = nodes.filter((s) => s.startsWith("slow_square@"));
        expect(new Set(squares).size, runId).toBe(squares.length);
        for (const s of squares) expect(Number(/\[(\d+)\]/.exec(s)?.[1]), runId).toBeLessThan(n);
      }
      expect(seen.size).toBe(count);
    }, 40_000);
  }

  it("a driver process running 20 overlapping runs (some aborted), on one driver or many, exits by itself", async () => {
    const script = fileURLToPath(new URL("./fixtures/bullmq-concurrent-exit.mjs", import.meta.url));
    for (const oneDriver of ["", "1"]) {
      const env = { ...process.env, CONCURRENT_ONE_DRIVER: oneDriver };
      const { stdout } = await promisify(execFile)(process.execPath, [...BULLMQ_MAJOR_FLAGS, script, redis.url, queueName, FAULTS.href, "20"], { timeout: 20_000, env });
      const runs = JSON.parse(stdout) as Array<number | string>;
      expect(runs).toHaveLength(20);
      runs.forEach((r, i) => expect(r === "AbortError" || r === 2 + (i % 3), `one driver: ${oneDriver}, run ${i}: ${r}`).toBe(true));
    }
  }, 30_000);
});

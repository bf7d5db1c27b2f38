// BullMQ executor benchmarks, against a throwaway redis-server and two local
// worker processes: throughput of 10,000 trivial branch tasks (one task per job,
// and chunks of 50 branch tasks per job), each side by side with raw BullMQ
// moving the same items with the same items per job (the floor), with payload
// bytes per task; a CPU-bound map-reduce (16 x ~200 ms) against the synchronous
// executor; the cost of the worker-thread hop; and how long a killed worker, a
// stopped worker and an endless node take to be detected. Prints a table and a
// JSON line.
import { fileURLToPath } from "node:url";
import { Worker as Thread } from "node:worker_threads";
import { Queue, QueueEvents } from "bullmq";
import { Builder, SynchronousLocalTaskExecutor } from "@hamilton-ts/kernel";
import { BullMQExecutor } from "@hamilton-ts/executor-cluster/bullmq";
import { REDIS, startRedis, startWorkers, stopWorkers as stop } from "./redis.mjs";

if (!REDIS) {
  console.log("SKIPPED: redis-server is not installed (apt-get install redis-server); the BullMQ benchmarks need a real Redis.");
  process.exit(0);
}

const TRIVIAL = new URL("./pipelines/bullmq-trivial.mjs", import.meta.url);
const CPU = new URL("./pipelines/bullmq-cpu.mjs", import.meta.url);
const RAW_WORKER = fileURLToPath(new URL("./pipelines/bullmq-raw-worker.mjs", import.meta.url));

async function timed(fn) {
  const t = performance.now();
  const out = await fn();
  return { ms: performance.now() - t, out };
}

const driver = (module, remote, local) =>
  new Builder()
    .withModules(module)
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withLocalExecutor(local ?? new SynchronousLocalTaskExecutor())
    .withRemoteExecutor(remote)
    .build();

const url = await startRedis();
const results = {};
const rows = [];

// 1. Throughput: 10,000 trivial branch tasks, two worker processes; raw BullMQ with the same items per job beside it.
const N = 10_000;
const expectedTotal = (N * (N + 1)) / 2;
const connectionOf = (u) => ({ host: new URL(u).hostname, port: Number(new URL(u).port), maxRetriesPerRequest: null });

/** The floor: raw BullMQ moving N numbers, `perJob` per job, each returned plus one, summed by the producer. */
async function rawBullmq(queueName, perJob) {
  const queue = new Queue(queueName, { connection: connectionOf(url) });
  // read the event stream from its last entry, or completions before QueueEvents' first read are missed (and the floor hangs)
  const client = await queue.client;
  const last = await client.xrevrange(queue.keys.events, "+", "-", "COUNT", 1);
  const events = new QueueEvents(queueName, { connection: connectionOf(url), lastEventId: last[0]?.[0] ?? "0-0" });
  await events.waitUntilReady();
  let bytes = 0;
  const t = performance.now();
  const jobs = [];
  for (let i = 0; i < N; i += perJob) {
    const data = Array.from({ length: Math.min(perJob, N - i) }, (_, k) => i + k);
    bytes += JSON.stringify(data).length;
    jobs.push({ name: "raw", data, opts: { removeOnComplete: { age: 600 } } });
  }
  let total = 0;
  let left = jobs.length;
  const done = new Promise((resolve) =>
    events.on("completed", ({ returnvalue }) => {
      for (const v of typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) total += v;
      if (--left === 0) resolve();
    }),
  );
  for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
  await done;
  const ms = performance.now() - t;
  await Promise.all([queue.close(), events.close()]);
  if (total !== expectedTotal) throw new Error(`raw BullMQ: wrong total ${total}`);
  return { ms, bytesPerTask: bytes / N };
}

if (!process.env.BULLMQ_BENCH_SKIP_TRIVIAL) {
  const CONCURRENCY = 4; // jobs at once per worker process, raw BullMQ's and ours alike
  const workers = await startWorkers(url, "trivial", CONCURRENCY, TRIVIAL);
  const raw = await startWorkers(url, "raw", CONCURRENCY, undefined, RAW_WORKER);
  for (const chunkSize of [1, 50]) {
    const executor = new BullMQExecutor({ connection: url, queueName: "trivial", chunkSize });
    const dr = await driver(TRIVIAL, executor);
    // warm up connections, workers and the JIT on both sides
    for (let rep = 0; rep < 2; rep++) {
      await dr.execute(["total"], { inputs: { n: chunkSize === 1 ? 1000 : N } });
      await rawBullmq(`raw`, chunkSize);
    }
    // interleaved, best of 3 each: the machine is shared, noise hits both sides alike
    let ours = Infinity;
    let floor = { ms: Infinity, bytesPerTask: 0 };
    for (let rep = 0; rep < 3; rep++) {
      executor.payloadStats.tasks = executor.payloadStats.bytes = 0;
      const { ms, out } = await timed(() => dr.execute(["total"], { inputs: { n: N } }));
      if (out.total !== expectedTotal) throw new Error(`wrong total ${out.total}`);
      ours = Math.min(ours, ms);
      const f = await rawBullmq("raw", chunkSize);
      if (f.ms < floor.ms) floor = f;
    }
    const suffix = chunkSize === 1 ? "" : `Chunk${chunkSize}`;
    results[`trivialTasksPerSec${suffix}`] = Math.round((N / ours) * 1000);
    results[`rawBullmqTasksPerSec${suffix}`] = Math.round((N / floor.ms) * 1000);
    results[`payloadBytesPerTask${suffix}`] = +(executor.payloadStats.bytes / executor.payloadStats.tasks).toFixed(1);
    results[`rawPayloadBytesPerTask${suffix}`] = +floor.bytesPerTask.toFixed(1);
    results[`ofRawBullmq${suffix}`] = +(floor.ms / ours).toFixed(2);
    rows.push([`10,000 trivial tasks, chunkSize ${chunkSize}`, `${results[`trivialTasksPerSec${suffix}`]} tasks/s`, `${results[`payloadBytesPerTask${suffix}`]} B/task`, `${Math.round(results[`ofRawBullmq${suffix}`] * 100)}% of raw BullMQ`]);
    rows.push([`raw BullMQ, ${chunkSize} item(s) per job (floor)`, `${results[`rawBullmqTasksPerSec${suffix}`]} tasks/s`, `${results[`rawPayloadBytesPerTask${suffix}`]} B/task`, ""]);
  }
  results.chunkingGain = +(results.trivialTasksPerSecChunk50 / results.trivialTasksPerSec).toFixed(2);
  await stop(workers);
  await stop(raw);
}

// 2. CPU-bound map-reduce: 16 x ~200 ms, two worker processes vs the synchronous executor.
if (!process.env.BULLMQ_BENCH_SKIP_CPU) {
  const { _burn } = await import(CPU.href);
  let iterations = 1_000_000;
  for (;;) {
    const t = performance.now();
    _burn(iterations, 1);
    const ms = performance.now() - t;
    if (ms > 50) {
      iterations = Math.round((iterations * 200) / ms);
      break;
    }
    iterations *= 2;
  }
  const inputs = { n: 16, iterations };
  const sync = await driver(CPU, new SynchronousLocalTaskExecutor());
  const workers = await startWorkers(url, "cpu", 1, CPU);
  const dr = await driver(CPU, new BullMQExecutor({ connection: url, queueName: "cpu" }));
  await dr.execute(["checksum"], { inputs: { n: 4, iterations: Math.round(iterations / 4) } }); // warm up both workers' JIT
  // Interleaved, best of 3 each: the machines are shared, so noise hits both sides alike.
  let base = { ms: Infinity };
  let dist = { ms: Infinity };
  for (let rep = 0; rep < 3; rep++) {
    const b = await timed(() => sync.execute(["checksum"], { inputs }));
    const d = await timed(() => dr.execute(["checksum"], { inputs }));
    if (d.out.checksum !== b.out.checksum) throw new Error("checksums differ");
    if (b.ms < base.ms) base = b;
    if (d.ms < dist.ms) dist = d;
  }
  results.cpuSyncMs = Math.round(base.ms);
  results.cpuBullmqMs = Math.round(dist.ms);
  results.cpuSpeedup = +(base.ms / dist.ms).toFixed(2);
  rows.push(["16 x ~200 ms, SynchronousLocalTaskExecutor", `${(base.ms / 1000).toFixed(2)} s`, "", ""]);
  rows.push(["16 x ~200 ms, BullMQ, 2 worker processes", `${(dist.ms / 1000).toFixed(2)} s`, "", `speedup ${results.cpuSpeedup}x (target >= 1.9x on 2 cores)`]);
  await stop(workers);
}

// 3. The hop from a BullMQ worker's main thread to the worker thread that runs a job, and back.
if (!process.env.BULLMQ_BENCH_SKIP_CPU) {
  const thread = new Thread("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", { eval: true });
  const message = { t: "job", payload: "x".repeat(160), jobId: "run~block-items[1]" };
  const hop = () => new Promise((resolve) => (thread.once("message", resolve), thread.postMessage(message)));
  for (let i = 0; i < 500; i++) await hop();
  const HOPS = 5000;
  const t = performance.now();
  for (let i = 0; i < HOPS; i++) await hop();
  results.threadHopUs = +(((performance.now() - t) / HOPS) * 1000).toFixed(1);
  rows.push(["worker-thread hop per job (round trip)", `${results.threadHopUs} µs`, "", "what running nodes off the worker's event loop costs"]);
  await thread.terminate();
}

// 4. Detection: a SIGKILLed or SIGSTOPped worker's job is back in the queue ('stalled'), an endless node is stopped.
if (!process.env.BULLMQ_BENCH_SKIP_RECOVERY) {
  const RECOVERY = new URL("./pipelines/bullmq-recovery.mjs", import.meta.url);
  for (const signal of ["SIGKILL", "SIGSTOP"]) {
    const queueName = `recover-${signal}`;
    const [a, b] = await startWorkers(url, queueName, 1, RECOVERY);
    const events = new QueueEvents(queueName, { connection: connectionOf(url) });
    await events.waitUntilReady();
    const active = new Map();
    events.on("active", ({ jobId }) => active.set(jobId, (active.get(jobId) ?? 0) + 1));
    let killedAt = 0;
    const stalled = new Promise((resolve) => events.once("stalled", () => resolve(Date.now() - killedAt)));
    const dr = await driver(RECOVERY, new BullMQExecutor({ connection: url, queueName }));
    const run = dr.execute(["all_busy"], { inputs: { n: 2, busy_ms: 2000 } });
    while (active.size < 2) await new Promise((r) => setTimeout(r, 10));
    killedAt = Date.now();
    a.kill(signal);
    const ms = await stalled;
    await run;
    results[signal === "SIGKILL" ? "killedWorkerDetectMs" : "stoppedWorkerDetectMs"] = ms;
    rows.push([`${signal === "SIGKILL" ? "killed" : "stopped"} worker: its job back in the queue after`, `${(ms / 1000).toFixed(1)} s`, "", "BullMQ defaults: ~30-60 s killed, ~90 s stopped"]);
    if (signal === "SIGSTOP") a.kill("SIGCONT");
    a.kill("SIGKILL");
    await events.close();
    await stop([b]);
  }
  const workers = await startWorkers(url, "recover-endless", 1, RECOVERY);
  const dr = await driver(RECOVERY, new BullMQExecutor({ connection: url, queueName: "recover-endless" }));
  const t = performance.now();
  const error = await dr.execute(["all_endless"], { inputs: { n: 1 } }).catch((e) => e);
  if (error?.name !== "TimeoutError") throw new Error(`expected a TimeoutError, got ${error}`);
  results.endlessNodeStoppedMs = Math.round(performance.now() - t);
  rows.push(["endless node with timeoutMs 1000: TimeoutError after", `${(results.endlessNodeStoppedMs / 1000).toFixed(2)} s`, "", "thread terminated and replaced"]);
  await stop(workers);
}

console.table(rows);
console.log(JSON.stringify({ bench: "bullmq", ...results }));
process.exit(0); // the exit handler in redis.mjs kills redis-server and any worker left

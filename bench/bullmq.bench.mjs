// BullMQ executor benchmarks, against a throwaway redis-server and two local
// worker processes: throughput of 10,000 trivial branch tasks (one task per job,
// and chunks of branch tasks per job), and a CPU-bound map-reduce (16 x ~200 ms)
// against the synchronous executor. Prints a table and a JSON line.
import { spawn, spawnSync } from "node:child_process";
import { createServer, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { Builder, SynchronousLocalTaskExecutor } from "@hamilton-ts/kernel";
import { BullMQExecutor } from "@hamilton-ts/executor-cluster/bullmq";

const REDIS = ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "redis-server"].find((p) => spawnSync(p, ["--version"]).status === 0);
if (!REDIS) {
  console.log("SKIPPED: redis-server is not installed (apt-get install redis-server); the BullMQ benchmarks need a real Redis.");
  process.exit(0);
}

const TRIVIAL = new URL("./pipelines/bullmq-trivial.mjs", import.meta.url);
const CPU = new URL("./pipelines/bullmq-cpu.mjs", import.meta.url);
const WORKER = fileURLToPath(new URL("./pipelines/bullmq-worker.mjs", import.meta.url));
const children = [];
const cleanup = () => children.forEach((c) => c.exitCode === null && c.kill("SIGKILL"));
process.on("exit", cleanup);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startRedis() {
  const port = await freePort();
  const child = spawn(REDIS, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  children.push(child);
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = new Socket();
      s.once("error", () => resolve(false));
      s.connect(port, "127.0.0.1", () => s.write("PING\r\n"));
      s.once("data", (d) => (s.destroy(), resolve(d.toString().includes("PONG"))));
    });
    if (ok) return `redis://127.0.0.1:${port}`;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("redis-server did not start");
}

function startWorkers(url, queue, concurrency, module) {
  return Promise.all(
    [0, 1].map(
      () =>
        new Promise((resolve, reject) => {
          const c = spawn(process.execPath, [WORKER, url, queue, String(concurrency), module.href], { stdio: ["ignore", "pipe", "inherit"] });
          children.push(c);
          c.stdout.on("data", (d) => String(d).includes("READY") && resolve(c));
          c.once("exit", (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
        }),
    ),
  );
}

const stop = (workers) => Promise.all(workers.map((c) => new Promise((r) => (c.once("exit", r), c.kill("SIGTERM")))));

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

// 1. Throughput: 10,000 trivial branch tasks, two worker processes.
const N = 10_000;
const expectedTotal = (N * (N + 1)) / 2;
if (!process.env.BULLMQ_BENCH_SKIP_TRIVIAL) {
  const workers = await startWorkers(url, "trivial", 8, TRIVIAL);
  for (const chunkSize of [1, 50]) {
    const dr = await driver(TRIVIAL, new BullMQExecutor({ connection: url, queueName: "trivial", chunkSize, maxInFlight: 2000 }));
    await dr.execute(["total"], { inputs: { n: 200 } }); // warm up connections and workers
    const { ms, out } = await timed(() => dr.execute(["total"], { inputs: { n: N } }));
    if (out.total !== expectedTotal) throw new Error(`wrong total ${out.total}`);
    const key = chunkSize === 1 ? "trivialTasksPerSec" : `trivialTasksPerSecChunk${chunkSize}`;
    results[key] = Math.round((N / ms) * 1000);
    rows.push([`10,000 trivial tasks, chunkSize ${chunkSize}`, `${results[key]} tasks/s`, `${(ms / 1000).toFixed(2)} s`]);
  }
  results.chunkingGain = +(results.trivialTasksPerSecChunk50 / results.trivialTasksPerSec).toFixed(2);
  await stop(workers);
}

// 2. CPU-bound map-reduce: 16 x ~200 ms, two worker processes vs the synchronous executor.
{
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
  rows.push(["16 x ~200 ms, SynchronousLocalTaskExecutor", `${(base.ms / 1000).toFixed(2)} s`, ""]);
  rows.push(["16 x ~200 ms, BullMQ, 2 worker processes", `${(dist.ms / 1000).toFixed(2)} s`, `speedup ${results.cpuSpeedup}x (target >= 1.7x on 2 cores)`]);
  await stop(workers);
}

console.table(rows);
console.log(JSON.stringify({ bench: "bullmq", ...results }));
cleanup();

// Shared by the BullMQ benchmarks: a throwaway redis-server on a free port (no
// persistence) and BullMQ worker processes, all killed when the bench exits.
import { spawn, spawnSync } from "node:child_process";
import { createServer, Socket } from "node:net";
import { fileURLToPath } from "node:url";

export const REDIS = ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "redis-server"].find((p) => spawnSync(p, ["--version"]).status === 0);
const WORKER = fileURLToPath(new URL("./pipelines/bullmq-worker.mjs", import.meta.url));
const children = [];
process.on("exit", () => children.forEach((c) => c.exitCode === null && c.kill("SIGKILL")));

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Start redis-server and wait for PONG; resolves to its URL. */
export async function startRedis() {
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

/** Start `count` worker processes (`script <url> <queue> <concurrency> <module>`); resolves once each printed READY. */
export function startWorkers(url, queue, concurrency, module, script = WORKER, count = 2) {
  return Promise.all(
    Array.from({ length: count }).map(
      () =>
        new Promise((resolve, reject) => {
          const c = spawn(process.execPath, [script, url, queue, String(concurrency), ...(module ? [module.href] : [])], { stdio: ["ignore", "pipe", "inherit"] });
          children.push(c);
          c.stdout.on("data", (d) => String(d).includes("READY") && resolve(c));
          c.once("exit", (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
        }),
    ),
  );
}

/** SIGTERM the workers and wait for them to exit. */
export const stopWorkers = (workers) => Promise.all(workers.map((c) => new Promise((r) => (c.once("exit", r), c.kill("SIGTERM")))));

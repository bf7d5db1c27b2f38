// Test helper: a throwaway redis-server on 127.0.0.1 and a free port, plus worker processes.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REDIS_BIN = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => spawnSync(p, ["--version"]).status === 0) ??
  (spawnSync("redis-server", ["--version"]).status === 0 ? "redis-server" : undefined);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  /** Start it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
}

async function waitForPing(port: number, ms = 5000): Promise<void> {
  const { Socket } = await import("node:net");
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once("error", () => resolve(false));
      s.connect(port, "127.0.0.1", () => s.write("PING\r\n"));
      s.once("data", (d) => (s.destroy(), resolve(d.toString().includes("PONG"))));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

export async function startRedis(port?: number): Promise<RedisServer> {
  if (!REDIS_BIN) throw new Error("redis-server is not installed");
  const p = port ?? (await freePort());
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(REDIS_BIN!, ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    await waitForPing(p);
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  await launch();
  return { port: p, url: `redis://127.0.0.1:${p}`, stop, restart: async () => (await stop(), await launch()) };
}

const WORKER_SCRIPT = fileURLToPath(new URL("./fixtures/bullmq-worker.mjs", import.meta.url));

/** Node flags for a test process that uses BullMQ: picks the major under test (HAMILTON_BULLMQ). */
export const BULLMQ_MAJOR_FLAGS = ["--import", new URL("./fixtures/bullmq-major.mjs", import.meta.url).href];

/** The BullMQ major the suite runs against. */
export const BULLMQ_MAJOR = process.env.HAMILTON_BULLMQ === "6" ? 6 : 5;

export interface WorkerSpec {
  readonly queueName: string;
  readonly modules: readonly string[];
  readonly config?: Record<string, unknown>;
  readonly concurrency?: number;
  readonly workerOptions?: Record<string, unknown>;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawn `node fixtures/bullmq-worker.mjs` running one BullMQ worker per spec; resolves once all are ready. */
export async function spawnWorker(url: string, specs: readonly WorkerSpec[], env: Record<string, string> = {}): Promise<WorkerProcess> {
  const dir = mkdtempSync(join(tmpdir(), "hamilton-bullmq-"));
  const file = join(dir, "specs.json");
  writeFileSync(file, JSON.stringify({ url, specs }));
  const child = spawn(process.execPath, [...BULLMQ_MAJOR_FLAGS, WORKER_SCRIPT, file], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const onData = () => out.includes("READY") && (child.stdout!.off("data", onData), resolve());
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
  return {
    child,
    output: () => out,
    kill: (signal = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}

/** Poll until `cond()` holds (a hang guard of `ms`). */
export async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

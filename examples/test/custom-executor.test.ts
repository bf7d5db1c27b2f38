import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { defineExecutorSuite } from "@hamilton-ts/kernel/testing";
import { HttpExecutor } from "../custom-executor/http-executor.js";

// examples/custom-executor passes the kernel's executor suite: a worker server
// in its own process, the executor in this one. Timeouts are left out: a
// server stuck in a node's endless loop cannot be stopped from the client.
let server: ChildProcess;
let executor: HttpExecutor;

beforeAll(async () => {
  const script = fileURLToPath(new URL("../custom-executor/worker-server.ts", import.meta.url));
  server = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()));
    server.once("exit", (code) => reject(new Error(`the worker server exited with code ${code}`)));
  });
  executor = new HttpExecutor({ url, maxTasks: 3 });
}, 30_000);

afterAll(() => {
  executor?.close();
  server?.kill();
});

describe("HttpExecutor (examples/custom-executor)", () => {
  defineExecutorSuite({ test: (name, fn) => test(name, fn, 60_000), describe }, { executor: () => executor, skip: ["timeouts"] });

  test("a dead server fails the task with an ExecutorError naming the cause", async () => {
    const dead = new HttpExecutor({ url: "http://127.0.0.1:9/" });
    const { Builder } = await import("@hamilton-ts/kernel");
    const { faultsModule } = await import("@hamilton-ts/kernel/testing");
    const dr = await new Builder().withModules(faultsModule).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(dead).build();
    const e = (await dr.execute(["joined"], { inputs: { count: 2, tag: "x" } }).catch((error: unknown) => error)) as Error & { cause: { reason: string } };
    expect(e.name).toBe("NodeExecutionError");
    expect(e.cause.reason).toBe("worker-died");
    expect(e.message).toMatch(/HTTP worker running task .* \(lane 1 of http:\/\/127\.0\.0\.1:9\/\) died/);
    await dr.close();
  });
});

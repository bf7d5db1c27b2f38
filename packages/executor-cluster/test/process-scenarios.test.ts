import { afterAll, describe, expect, test } from "vitest";
import { defineExecutorSuite } from "@hamilton-ts/kernel/testing";
import { MultiProcessingExecutor } from "../src/index.js";

// The kernel's executor suite (scenarios × groupings × modes, failures, abort,
// overlapping runs, node events, timeouts) on one pool for the whole file: it
// is reused across drivers, modules and configs.
const executor = new MultiProcessingExecutor({ maxTasks: 2 });
afterAll(() => executor.close());

defineExecutorSuite({ test: (name, fn) => test(name, fn, 60_000), describe }, { executor: () => executor });

test("the suite really ran in child processes", () => {
  expect(executor.pids.length).toBeGreaterThan(0);
  expect(executor.pids).not.toContain(process.pid);
});

import { afterAll, describe, expect, test } from "vitest";
import { defineExecutorSuite } from "@hamilton-ts/kernel/testing";
import { MultiThreadingExecutor } from "../src/index.js";
import { execArgv } from "./helpers.js";

// The kernel's executor suite (scenarios × groupings × modes, failures, abort,
// overlapping runs, node events, timeouts) on one pool for the whole file: it
// is reused across drivers and runs.
const executor = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
afterAll(() => executor.close());

defineExecutorSuite({ test: (name, fn) => test(name, fn, 60_000), describe }, { executor: () => executor });

test("the suite really ran on worker threads", () => {
  expect(executor.workerCount).toBeGreaterThan(0);
});

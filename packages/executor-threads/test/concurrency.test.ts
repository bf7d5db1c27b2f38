import { describe } from "vitest";
import { DefaultExecutionManager } from "@hamilton-ts/kernel";
import { describeConcurrency } from "../../kernel/test/scenarios/concurrency.js";
import { MultiThreadingExecutor } from "../src/index.js";
import { execArgv } from "./helpers.js";

// The kernel's concurrency suite (2–20 overlapping runs with random aborts and
// failures, a run right after an abort) on worker threads: blocks only, and every task.
describe("parallel blocks on threads", () => {
  describeConcurrency((b) => b.withRemoteExecutor(new MultiThreadingExecutor({ maxTasks: 2, execArgv })), { numRuns: 6 });
});

describe("every task on threads", () => {
  describeConcurrency(
    (b) => {
      const ex = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
      return b.withExecutionManager(new DefaultExecutionManager({ localExecutor: ex, remoteExecutor: ex }));
    },
    { numRuns: 4 },
  );
});

import { afterAll, describe, expect, test } from "vitest";
import { describeScenarios } from "../../kernel/test/scenarios/suite.js";
import { MultiProcessingExecutor } from "../src/index.js";

// One executor for the whole file: its pool is reused across drivers, modules and configs.
const executor = new MultiProcessingExecutor({ maxTasks: 2 });
afterAll(() => executor.close());

describe("parallel blocks in child processes", () => {
  describeScenarios((b) => b.withRemoteExecutor(executor));
});

describe("every task in child processes", () => {
  describeScenarios((b) => b.withRemoteExecutor(executor).withLocalExecutor(executor));
});

test("the scenarios really ran in child processes", () => {
  expect(executor.pids.length).toBeGreaterThan(0);
  expect(executor.pids).not.toContain(process.pid);
});

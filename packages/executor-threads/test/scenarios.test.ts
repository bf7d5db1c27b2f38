import { afterAll, describe } from "vitest";
import { DefaultExecutionManager } from "@hamilton-ts/kernel";
import { describeScenarios } from "../../kernel/test/scenarios/suite.js";
import { MultiThreadingExecutor } from "../src/index.js";
import { execArgv } from "./helpers.js";

// one pool for the whole file: it is reused across drivers and runs
const executor = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
afterAll(() => executor.close());

describe("parallel blocks on threads (remote executor)", () => {
  describeScenarios((b) => b.withRemoteExecutor(executor));
});

describe("every task on threads", () => {
  describeScenarios((b) => b.withExecutionManager(new DefaultExecutionManager({ localExecutor: executor, remoteExecutor: executor })));
});

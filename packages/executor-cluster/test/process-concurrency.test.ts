import { describe } from "vitest";
import { DefaultExecutionManager, GroupByRepeatableBlocks, GroupNodesAllAsOne } from "@hamilton-ts/kernel";
import { describeConcurrency } from "../../kernel/test/scenarios/concurrency.js";
import { MultiProcessingExecutor } from "../src/index.js";

// The kernel's concurrency suite (2–20 overlapping runs with random aborts and
// failures, a run right after an abort) in child processes: blocks only, and every task.
// Two grouping strategies and fewer examples than in-process: each driver starts its own children.
const options = { groupings: [GroupByRepeatableBlocks, GroupNodesAllAsOne], numRuns: 4 };
describe("parallel blocks in child processes", () => {
  describeConcurrency((b) => b.withRemoteExecutor(new MultiProcessingExecutor({ maxTasks: 2 })), options);
});

describe("every task in child processes", () => {
  describeConcurrency(
    (b) => {
      const ex = new MultiProcessingExecutor({ maxTasks: 2 });
      return b.withExecutionManager(new DefaultExecutionManager({ localExecutor: ex, remoteExecutor: ex }));
    },
    options,
  );
});

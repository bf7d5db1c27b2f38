import { describe } from "vitest";
import { ConcurrentLocalTaskExecutor, SynchronousLocalTaskExecutor } from "../src/index.js";
import { describeConcurrency } from "./scenarios/concurrency.js";

describe("with SynchronousLocalTaskExecutor for blocks", () => {
  describeConcurrency((b) => b.withRemoteExecutor(new SynchronousLocalTaskExecutor()));
});

describe("with ConcurrentLocalTaskExecutor({ maxTasks: 3 }) for blocks", () => {
  describeConcurrency((b) => b.withRemoteExecutor(new ConcurrentLocalTaskExecutor({ maxTasks: 3 })));
});

// @hamilton-ts/kernel/testing — for executor authors: the scenario suite to run
// against an executor (vitest, jest, node:test, or none), and its scenarios.
// Scenario modules are plain JavaScript shipped in the kernel, so workers in
// other threads, processes or machines import them by location.

export { executorSuite, defineExecutorSuite, runExecutorSuite, groupings } from "./testing/executor-suite.js";
export type { ExecutorSuiteOptions, SuiteCase, SuiteGroup, SuiteReport, TestFramework } from "./testing/executor-suite.js";
export { scenarios, scenarioModule, faultsModule } from "./testing/scenarios.js";
export type { Scenario } from "./testing/scenarios.js";
export { SuiteAssertionError } from "./testing/check.js";

// Issue 9's hostile-values arbitraries through real worker threads, as inputs and outputs.
import { afterAll, test } from "vitest";
import { checkHostileValuesThrough } from "../../kernel/test/executor-hostile-values.js";
import { MultiThreadingExecutor } from "../src/index.js";
import { execArgv } from "./helpers.js";

const executor = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
afterAll(() => executor.close());

test("hostile values to worker threads and back: equal (sharing, cycles, own buffers), or a SerializationError naming the node; no hang, crash or import", async () => {
  await checkHostileValuesThrough(executor);
}, 120_000);

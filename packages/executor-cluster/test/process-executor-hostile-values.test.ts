// Issue 9's hostile-values arbitraries through real child processes, as inputs and outputs.
import { afterAll, test } from "vitest";
import { checkHostileValuesThrough } from "../../kernel/test/executor-hostile-values.js";
import { MultiProcessingExecutor } from "../src/index.js";

const executor = new MultiProcessingExecutor({ maxTasks: 2 });
afterAll(() => executor.close());

test("hostile values to child processes and back: equal (sharing, cycles, own buffers), or a SerializationError naming the node; no hang, crash or import", async () => {
  await checkHostileValuesThrough(executor);
}, 120_000);

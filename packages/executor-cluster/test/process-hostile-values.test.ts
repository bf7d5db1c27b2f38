import { afterAll, test } from "vitest";
import { checkHostileValues } from "../../kernel/test/pool-hostile-values.js";
import { MultiProcessingExecutor } from "../src/index.js";

const executor = new MultiProcessingExecutor({ maxTasks: 2 });
afterAll(() => executor.close());

test("hostile values cross child processes both ways: equal (sharing kept), or a SerializationError naming the node", async () => {
  await checkHostileValues(executor, 60);
}, 60_000);

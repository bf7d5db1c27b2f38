import { afterAll, test } from "vitest";
import { checkHostileValues } from "../../kernel/test/pool-hostile-values.js";
import { MultiThreadingExecutor } from "../src/index.js";
import { execArgv } from "./helpers.js";

const executor = new MultiThreadingExecutor({ maxTasks: 2, execArgv });
afterAll(() => executor.close());

test("hostile values cross worker threads both ways: equal (sharing kept), or a SerializationError naming the node", async () => {
  await checkHostileValues(executor, 60);
}, 60_000);

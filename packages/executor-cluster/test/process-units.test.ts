import { availableParallelism } from "node:os";
import { describe, expect, test } from "vitest";
import { MultiProcessingExecutor } from "../src/index.js";
import { childExecArgv } from "../src/process/child-script.js";

describe("childExecArgv", () => {
  const built = { path: "/x/child.js", execArgv: [] };
  const source = { path: "/x/child-main.ts", execArgv: ["--import", "file:///r/tsx/loader.mjs"] };

  test("children inherit the parent's flags, minus debugger flags, plus the user's", () => {
    expect(childExecArgv(["--import", "tsx", "--inspect=9229", "--inspect-port", "9230", "--expose-gc"], built, ["--max-old-space-size=64"])).toEqual([
      "--import",
      "tsx",
      "--expose-gc",
      "--max-old-space-size=64",
    ]);
  });

  test("running from source adds the tsx loader unless the parent already has it", () => {
    expect(childExecArgv([], source, [])).toEqual(["--import", "file:///r/tsx/loader.mjs"]);
    expect(childExecArgv(["--import", "tsx"], source, [])).toEqual(["--import", "tsx"]);
  });
});

describe("options", () => {
  test.each([{ maxTasks: 0 }, { chunkSize: 0 }, { retries: -1 }, { idleTimeoutMs: -5 }])("rejects %o", (o) => {
    expect(() => new MultiProcessingExecutor(o)).toThrow(RangeError);
  });

  test("chunkSize \"auto\" (earlier versions' default) is the default; maxTasks defaults to the machine's parallelism", () => {
    expect(new MultiProcessingExecutor({ chunkSize: "auto" }).chunkSize).toBe(new MultiProcessingExecutor().chunkSize);
    expect(new MultiProcessingExecutor().maxTasks).toBe(availableParallelism());
  });

  test("declares that workers need module locations", () => {
    const ex = new MultiProcessingExecutor({ maxTasks: 1 });
    expect(ex.requiresModuleLocations).toBe(true);
    expect(ex.specificationVersion).toBe("v1");
    expect(ex.pids).toEqual([]); // lazy: nothing started yet
  });
});

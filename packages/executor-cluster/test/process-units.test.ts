import { describe, expect, test } from "vitest";
import { MultiProcessingExecutor } from "../src/index.js";
import { ChunkSizer, AUTO_MAX_CHUNK } from "../src/process/chunking.js";
import { childExecArgv } from "../src/process/child-script.js";
import { forEachEvent, EventPacker } from "../src/process/batch-codec.js";
import { type NodeEvent } from "@hamilton-ts/kernel/contracts";
import { packTaskBatch, unpackTaskBatch } from "@hamilton-ts/kernel/remote";

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

describe("ChunkSizer", () => {
  test("one task per message until it knows better, then follows the mean task time", () => {
    const s = new ChunkSizer("auto");
    expect(s.chunk()).toBe(1);
    s.observe(200, 1); // a 200 ms task
    expect(s.chunk()).toBe(1);
    expect(s.depth()).toBe(1);
    const fast = new ChunkSizer("auto");
    for (let i = 0; i < 5; i++) fast.observe(0.5, 100); // 5 µs per task
    expect(fast.chunk()).toBe(AUTO_MAX_CHUNK);
    expect(fast.depth()).toBe(2);
  });

  test("a fixed chunkSize wins", () => {
    const s = new ChunkSizer(7);
    s.observe(200, 1);
    expect(s.chunk()).toBe(7);
  });
});

describe("batch codec", () => {
  test("tasks of one template share a shape; inputs and events survive the round trip", () => {
    const nodes = ["a", "b"];
    const outputs = ["b"];
    const batch = packTaskBatch("r", "f", [
      { taskId: "t[0]", nodes, outputs, expanders: [], inputNames: ["x", "y"], values: [1, 2] },
      { taskId: "t[1]", nodes, outputs, expanders: [], inputNames: ["x", "y"], values: [3, 4] },
    ]);
    expect(batch.shapes).toHaveLength(1);
    const tasks = [...unpackTaskBatch(batch)];
    expect(tasks.map((t) => t.request.inputs)).toEqual([
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ]);
    expect(tasks[1]!.request).toMatchObject({ taskId: "t[1]", runId: "r", graphFingerprint: "f", nodes, outputs });

    const packer = new EventPacker();
    packer.add(1, tasks[1]!.shape, { taskId: "t[1]", type: "pre", nodeName: "b" });
    const results = [{ nodeName: "b", taskId: "t[1]", runId: "r", passed: false, importance: "warn" as const, validator: "v", message: "low", issues: [] }];
    packer.add(1, tasks[1]!.shape, { taskId: "t[1]", type: "validation", nodeName: "b", results });
    packer.add(1, tasks[1]!.shape, { taskId: "t[1]", type: "post", nodeName: "b", success: false, durationMs: 2, error: { name: "Error", message: "no" } });
    const seen: Array<[number, NodeEvent]> = [];
    forEachEvent(structuredClone(packer.take()), (i) => [nodes, nodes][i], (i, e) => seen.push([i, e]));
    expect(seen[0]).toEqual([1, { type: "pre", nodeName: "b" }]);
    // validation events cross too (a worker always sends them)
    expect(seen[1]).toEqual([1, { type: "validation", nodeName: "b", results }]);
    expect(seen[2]![1]).toMatchObject({ type: "post", nodeName: "b", success: false, durationMs: 2 });
    expect((seen[2]![1] as { error: Error }).error.message).toBe("no");
  });
});

describe("options", () => {
  test.each([{ maxTasks: 0 }, { chunkSize: 0 }, { retries: -1 }, { idleTimeoutMs: -5 }])("rejects %o", (o) => {
    expect(() => new MultiProcessingExecutor(o)).toThrow(RangeError);
  });

  test("declares that workers need module locations", () => {
    const ex = new MultiProcessingExecutor({ maxTasks: 1 });
    expect(ex.requiresModuleLocations).toBe(true);
    expect(ex.specificationVersion).toBe("v1");
    expect(ex.pids).toEqual([]); // lazy: nothing started yet
  });
});

import { describe, expect, test } from "vitest";
import { SerializationError } from "../src/index.js";
import { encodeTaskInputs, packTaskBatch, unpackTaskBatch, type FlatTask } from "../src/remote.js";

describe("the columnar task batch", () => {
  test("tasks of one template share a shape; other inputs or templates get their own", () => {
    const nodes = ["a", "b"];
    const other = ["c"];
    const outputs = ["b"];
    const tasks: FlatTask[] = [
      { taskId: "t[0]", nodes, outputs, expanders: [], inputNames: ["x", "y"], values: [1, 2] },
      { taskId: "t[1]", nodes, outputs, expanders: [], inputNames: ["x", "y"], values: [3, 4] },
      { taskId: "t[2]", nodes, outputs, expanders: [], inputNames: ["x"], values: [5] },
      { taskId: "u", nodes: other, outputs: other, expanders: [], inputNames: [], values: [] },
    ];
    const batch = structuredClone(packTaskBatch("r", "f", tasks));
    expect(batch.shapes).toHaveLength(3);
    expect([...batch.shapeOf]).toEqual([0, 0, 1, 2]);
    const out = [...unpackTaskBatch(batch)];
    expect(out.map((t) => t.request.inputs)).toEqual([{ x: 1, y: 2 }, { x: 3, y: 4 }, { x: 5 }, {}]);
    expect(out[3]!.request).toEqual({ runId: "r", taskId: "u", nodes: other, inputs: {}, outputs: other, expanders: [], graphFingerprint: "f" });
    expect(out.map((t) => t.index)).toEqual([0, 1, 2, 3]);
  });

  test("encoding a task's inputs names the input that cannot cross", () => {
    expect(encodeTaskInputs({ inputs: { n: 1, s: "x" } })).toEqual({ inputNames: ["n", "s"], values: [1, "x"] });
    expect(() => encodeTaskInputs({ inputs: { fn: () => 1 } })).toThrow(SerializationError);
    expect(() => encodeTaskInputs({ inputs: { fn: () => 1 } })).toThrow(/node "fn" is a function/);
  });
});

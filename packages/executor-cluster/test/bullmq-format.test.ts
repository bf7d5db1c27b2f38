// The job format and run setups, without Redis: what a crafted job can and cannot get past.
import { serialize } from "node:v8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GraphError } from "@hamilton-ts/kernel";
import { fromBase64, isJobData, jobIdFor, toBase64, validateOutcome, validatePayload } from "../src/bullmq/job-format.js";
import { decodeSetup, encodeSetup, matchModules, stableText } from "../src/bullmq/run-setup.js";
import { encodeJob } from "../src/bullmq/task-jobs.js";
import type { Task } from "@hamilton-ts/kernel/contracts";

const shape = { nodes: ["a"], inputs: ["x"], outputs: ["a"], expanders: [] };

describe("job format", () => {
  it("round-trips a payload, and refuses one over the size limit before decoding it", () => {
    const p = { shapes: [shape], count: 2, values: [1, 2] };
    expect(validatePayload(fromBase64(toBase64(p)))).toEqual(p);
    expect(() => fromBase64(toBase64({ big: "x".repeat(5000) }), 1000)).toThrow(/over this worker's maxPayloadBytes/);
  });

  it("refuses malformed payloads with a clear message, never anything else", () => {
    const bad: unknown[] = [
      null, 5, "x", [], { shapes: [], values: [], count: 1 }, { shapes: [shape], values: [1], count: 0 },
      { shapes: [shape], values: [1], count: 2 }, { shapes: [{ ...shape, nodes: [1] }], values: [1], count: 1 },
      { shapes: [shape], values: [1, 2], count: 2, shapeOf: new Int32Array([0, 3]) }, { shapes: [shape], values: [1, 2], count: 2, shapeOf: [0, 0] },
      { shapes: [{ ...shape, timeoutMs: -1 }], values: [1], count: 1 },
    ];
    for (const b of bad) expect(() => validatePayload(b), JSON.stringify(b, (_k, v) => (v instanceof Int32Array ? [...v] : v))).toThrow(/not a hamilton-ts task batch/);
    fc.assert(
      fc.property(fc.anything(), (v) => {
        try {
          validatePayload(v);
        } catch (e) {
          expect((e as Error).message).toMatch(/not a hamilton-ts task batch/);
        }
      }),
    );
  });

  it("job data is recognised before anything is decoded", () => {
    expect(isJobData({ h: 2, s: "id", p: "" })).toBe(true);
    for (const d of [null, {}, { h: 1, s: "id", p: "" }, { h: 2, s: "x".repeat(65), p: "" }, { h: 2, s: "id", p: 1 }]) expect(isJobData(d)).toBe(false);
    expect(() => validateOutcome({ outputs: [], refused: { error: 5 } })).toThrow(/malformed refusal/);
  });

  it("a job holding item batches is format 3 (a worker from before item batches refuses it), any other stays format 2", () => {
    const nodes = ["doubled"];
    const task = (items?: { input: string; first: number; count: number }) =>
      ({ task: { taskId: "t", nodes, inputs: { items: items ? [1, 2, 3] : 1 }, outputs: nodes, expanders: [], timeoutMs: undefined, ...(items ? { items } : {}) } as unknown as Task });
    const reject = () => expect.fail("nothing here is refused");
    const batched = encodeJob([task({ input: "items", first: 0, count: 3 }), task()], "setup", false, undefined, reject)!;
    expect(batched.data.h).toBe(3);
    expect(isJobData(batched.data)).toBe(true);
    const shapes = validatePayload(fromBase64(batched.data.p)).shapes;
    expect(shapes.map((sh) => sh.items)).toEqual(["items", undefined]); // one template, two shapes: a batch and a branch
    expect(encodeJob([task(), task()], "setup", false, undefined, reject)!.data.h).toBe(2);
    // a shape whose items input is not among its inputs is not ours
    expect(() => validatePayload({ shapes: [{ nodes, inputs: ["x"], outputs: nodes, expanders: [], items: "items" }], count: 1, values: [1] })).toThrow(/malformed item batch/);
  });

  it("job ids escape BullMQ's ':' and differ per chunk size and attempt", () => {
    expect(jobIdFor("r:1", "t%2", 1, 1)).toBe("r%3A1~t%252");
    expect(new Set([jobIdFor("r", "t", 1, 1), jobIdFor("r", "t", 3, 1), jobIdFor("r", "t", 1, 2)]).size).toBe(3);
  });
});

describe("run setups", () => {
  const setup = { modules: ["file:///app/a.js"], config: { mode: "x" }, allowModuleOverrides: false, fingerprint: "f" };

  it("are named by their content, and a record that does not match its id is refused", () => {
    const s = encodeSetup(setup);
    expect(encodeSetup({ ...setup }).id).toBe(s.id);
    expect(encodeSetup({ ...setup, config: { mode: "y" } }).id).not.toBe(s.id);
    expect(decodeSetup(s.id, s.blob)).toEqual(setup);
    const other = encodeSetup({ ...setup, fingerprint: "g" });
    expect(() => decodeSetup(s.id, other.blob)).toThrow(/does not match its id/);
    const junk = Buffer.from(serialize({ modules: "x" })).toString("base64");
    expect(() => decodeSetup(encodeSetup(setup).id, junk)).toThrow(GraphError);
  });

  it("match a job's modules to the worker's allow-list: exact, else by the one path that ends the same", () => {
    const allowed = ["/srv/app/sales/nodes.js", "/srv/app/marketing/nodes.js", "/srv/app/shared.js", "@acme/pipelines/ops"];
    expect(matchModules(["file:///srv/app/shared.js"], allowed)).toEqual(["file:///srv/app/shared.js"]);
    expect(matchModules(["file:///home/me/app/shared.js"], allowed)).toEqual(["file:///srv/app/shared.js"]);
    expect(matchModules(["file:///laptop/sales/nodes.js"], allowed)).toEqual(["file:///srv/app/sales/nodes.js"]);
    expect(matchModules(["@acme/pipelines/ops"], allowed)).toEqual(["@acme/pipelines/ops"]);
    expect(() => matchModules(["file:///x/nodes.js"], allowed)).toThrow(/could be any of .*sales.*marketing/);
    expect(() => matchModules(["file:///etc/evil.js"], allowed)).toThrow(/not in this worker's modules/);
    expect(() => matchModules(["data:text/javascript,export const x = 1"], allowed)).toThrow(GraphError);
  });

  it("compare configs whatever their key order", () => {
    expect(stableText({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(stableText({ a: [1, { c: 3, d: 2 }], b: 1 }));
    expect(stableText({ a: 1 })).not.toBe(stableText({ a: "1" }));
  });
});

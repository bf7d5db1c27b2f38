// The worker side shared by every pooled executor, driven in this thread.
import { describe, expect, test } from "vitest";
import { cachedTaskRunner, packTaskBatch, WorkerLoop, type FromWorker, type ResultsMessage, type WorkerSetup } from "../src/remote.js";
import { EventPacker, forEachEvent } from "../src/remote/worker-envelope.js";
import type { NodeEvent } from "../src/contracts.js";
import { scenarioModule } from "../src/testing.js";

const setup: WorkerSetup = { modules: [scenarioModule("basic.mjs").href], config: {}, allowModuleOverrides: false, codecModules: [] };
const nodes = ["a", "b"];
const fingerprint = (await cachedTaskRunner(setup)).fingerprint;

function batch(seq: number, xs: readonly number[], options: { events?: boolean; timed?: boolean } = {}) {
  return {
    type: "batch" as const,
    seq,
    setup: 0,
    events: options.events ?? false,
    live: xs.length === 1,
    timed: options.timed ?? false,
    batch: packTaskBatch("run", fingerprint, xs.map((x, i) => ({ taskId: `t[${i}]`, nodes, outputs: ["b"], expanders: [], inputNames: ["x"], values: [x] }))),
  };
}

describe("WorkerLoop", () => {
  test("runs a batch and answers column-wise; says when a timed batch starts; reports node events only when asked", async () => {
    const sent: FromWorker[] = [];
    const loop = new WorkerLoop({ send: (m) => void sent.push(m) });
    loop.ready();
    await loop.receive({ type: "setup", id: 0, setup });
    await loop.receive(batch(1, [1, 2, 3], { timed: true }));
    await loop.receive(batch(2, [5], { events: true }));
    expect(sent[0]).toEqual({ type: "ready" });
    expect(sent[1]).toEqual({ type: "started", seq: 1 });
    const results = sent.filter((m): m is ResultsMessage => m.type === "results");
    const first = results.filter((m) => m.seq === 1);
    expect(first.flatMap((m) => m.done)).toEqual([0, 1, 2]);
    expect(first.flatMap((m) => m.outputs)).toEqual([4, 6, 8]);
    expect(first.every((m) => m.events === undefined)).toBe(true);
    const events: string[] = [];
    for (const m of results.filter((r) => r.seq === 2)) if (m.events) forEachEvent(m.events, () => nodes, (_i, e) => void events.push(`${e.type}:${e.nodeName}`));
    expect(events).toEqual(["pre:a", "post:a", "pre:b", "post:b"]);
  });

  test("a setup that fails (a module that cannot be imported) fails every task of the batch, naming it", async () => {
    const sent: FromWorker[] = [];
    const loop = new WorkerLoop({ send: (m) => void sent.push(m) });
    await loop.receive({ type: "setup", id: 0, setup: { ...setup, modules: ["file:///nowhere/missing.mjs"] } });
    await loop.receive(batch(1, [1, 2]));
    const failures = sent.filter((m): m is ResultsMessage => m.type === "results").flatMap((m) => m.failures);
    expect(failures.map(([i]) => i)).toEqual([0, 1]);
    expect(failures[0]![1].error.message).toMatch(/missing\.mjs/);
  });

  test("a message that cannot cross is sent outcome by outcome; the value that refused fails naming its node", async () => {
    const sent: FromWorker[] = [];
    const send = (m: FromWorker) => {
      if (m.type === "results" && m.outputs.includes(6)) throw new Error("pretend 6 cannot be cloned");
      sent.push(m);
    };
    const loop = new WorkerLoop({ send, checkValue: (v) => void (v === 6 && (() => { throw new Error("no"); })()) });
    await loop.receive({ type: "setup", id: 0, setup });
    await loop.receive(batch(1, [1, 2, 3]));
    const results = sent.filter((m): m is ResultsMessage => m.type === "results");
    expect(results.flatMap((m) => m.outputs)).toEqual([4, 8]);
    const failures = results.flatMap((m) => m.failures);
    expect(failures.map(([i]) => i)).toEqual([1]);
    expect(failures[0]![1]).toMatchObject({ kind: "SerializationError", nodeName: "b" });
    expect(failures[0]![1].error.message).toMatch(/node "b" \(task t\[1\]\) cannot be sent back.*pretend 6/);
  });
});

describe("packed node events", () => {
  test("pre, post (with its error) and validation events survive packing, in order", () => {
    const shape = { nodes: ["a", "b"], inputs: [], outputs: ["b"], expanders: [] };
    const p = new EventPacker();
    p.add(0, shape, { taskId: "t", type: "pre", nodeName: "a" });
    p.add(0, shape, { taskId: "t", type: "validation", nodeName: "a", results: [{ nodeName: "a", taskId: "t", runId: "r", passed: false, importance: "warn", validator: "zod", message: "too big", issues: [] }] });
    p.add(1, shape, { taskId: "u", type: "post", nodeName: "b", success: false, durationMs: 2, error: { name: "RangeError", message: "no" } });
    const seen: Array<[number, NodeEvent]> = [];
    forEachEvent(structuredClone(p.take()!), () => shape.nodes, (i, e) => void seen.push([i, e]));
    expect(seen.map(([i, e]) => `${i}:${e.type}:${e.nodeName}`)).toEqual(["0:pre:a", "0:validation:a", "1:post:b"]);
    expect(seen[1]![1]).toMatchObject({ results: [{ message: "too big", passed: false }] });
    expect(seen[2]![1]).toMatchObject({ success: false, durationMs: 2 });
    expect(((seen[2]![1] as { error: Error }).error).name).toBe("RangeError");
    expect(p.take()).toBeUndefined();
  });
});

// The worker side's synchronous path through a batch (no caller node hooks):
// failures, async nodes, values that cannot cross and items drawn from
// iterators, each in the middle of a columnar batch, must leave every other
// task's outcome in its place.
import { describe, expect, test } from "vitest";
import { cachedTaskRunner, decodeValue, encodeValue, packTaskBatch, WorkerLoop, type FlatTask, type FromWorker, type ResultsMessage, type WorkerSetup } from "../src/remote.js";
import { CodecModules } from "../src/remote/codec-modules.js";
import { decodeOutputs } from "../src/remote/pool/decode-outputs.js";
import { taskIdsOf } from "../src/remote/task-batch.js";
import { forEachEvent } from "../src/remote/worker-envelope.js";

const setup: WorkerSetup = { modules: [new URL("./fixtures/worker-batch.mjs", import.meta.url).href], config: {}, allowModuleOverrides: false, codecModules: [] };
const fingerprint = (await cachedTaskRunner(setup)).fingerprint;

const task = (taskId: string, nodes: string[], inputs: Record<string, unknown>, expanders: string[] = [], outputs = nodes): FlatTask => ({
  taskId,
  nodes,
  outputs,
  expanders,
  inputNames: Object.keys(inputs),
  values: Object.values(inputs),
});

/** Run one batch through a WorkerLoop; what came back, merged. */
async function runBatch(tasks: FlatTask[], graphFingerprint = fingerprint) {
  const sent: FromWorker[] = [];
  const loop = new WorkerLoop({ send: (m) => void sent.push(structuredClone(m)) });
  await loop.receive({ type: "setup", id: 0, setup });
  await loop.receive({ type: "batch", seq: 1, setup: 0, events: false, live: false, timed: false, batch: structuredClone(packTaskBatch("run", graphFingerprint, tasks)) });
  const results = sent.filter((m): m is ResultsMessage => m.type === "results");
  return {
    done: results.flatMap((m) => [...m.done]),
    outputs: results.flatMap((m) => [...m.outputs]),
    failures: results.flatMap((m) => [...m.failures]),
    events: results.flatMap((m) => (m.events ? [m.events] : [])),
  };
}

describe("a batch in a worker, without node hooks", () => {
  test("a task that throws in the middle fails alone; async nodes before and after it keep every output in its place", async () => {
    const nodes = ["picky", "sometimes_async"];
    const out = await runBatch([1, 13, 2, 3].map((x, i) => task(`t[${i}]`, nodes, { x })));
    expect(out.done).toEqual([0, 2, 3]);
    expect(out.outputs).toEqual([2, 3, 4, 5, 6, 7]);
    expect(out.failures.map(([i]) => i)).toEqual([1]);
    expect(out.failures[0]![1]).toMatchObject({ taskId: "t[1]", nodeName: "picky", kind: "NodeExecutionError", error: { name: "RangeError", message: "no 13" } });
  });

  test("an output that cannot cross fails its task naming the node; the outputs it had encoded before are dropped", async () => {
    const nodes = ["plain", "maybe_unsendable"];
    const out = await runBatch([6, 7, 8].map((x, i) => task(`t[${i}]`, nodes, { x })));
    expect(out.done).toEqual([0, 2]);
    expect(out.outputs).toEqual([106, 6, 108, 8]);
    expect(out.failures.map(([i, f]) => [i, f.kind, f.nodeName])).toEqual([[1, "SerializationError", "maybe_unsendable"]]);
  });

  test("an expander's iterator is drawn into an array; one that is not an output is not drawn", async () => {
    const out = await runBatch([
      task("e[0]", ["counted"], { n: 3 }, ["counted"]),
      task("e[1]", ["counted", "plain"], { n: -1, x: 1 }, ["counted"], ["plain"]),
      task("e[2]", ["counted"], { n: -1 }, ["counted"]),
    ]);
    expect(out.outputs).toEqual([[0, 1, 2], 101]);
    expect(out.failures.map(([i, f]) => [i, f.nodeName, f.error.message])).toEqual([[2, "counted", "cannot count to a negative number"]]);
  });

  test("task ids of any length and script arrive as sent, and failures name theirs; a node named constructor is an output like any other", async () => {
    const ids = ["a", "", "ünï☃[3,1]", "x".repeat(2000), "t[4]"];
    const packed = packTaskBatch("run", fingerprint, ids.map((id) => task(id, ["constructor"], { x: 1 })));
    expect(taskIdsOf(structuredClone(packed))).toEqual(ids);
    const out = await runBatch(ids.map((id, i) => task(id, ["picky"], { x: i === 2 ? 13 : i })));
    expect(out.failures.map(([i, f]) => [i, f.taskId])).toEqual([[2, "ünï☃[3,1]"]]);
    expect((await runBatch([task("c", ["constructor"], { x: 5 })])).outputs).toEqual(["built 5"]);
  });

  test("a driver whose graph differs: every task fails, each naming its own id", async () => {
    const out = await runBatch([task("t[0]", ["plain"], { x: 1 }), task("t[1]", ["plain"], { x: 2 })], "not-this-graph");
    expect(out.done).toEqual([]);
    expect(out.failures.map(([i, f]) => [i, f.kind])).toEqual([[0, "GraphError"], [1, "GraphError"]]);
    expect(out.failures[1]![1].error.message).toMatch(/Task t\[1\] was sent by a driver whose graph differs/);
  });

  test("one-node tasks: a parameter no input names takes its default, typed arrays cross both ways, an async node's object is encoded", async () => {
    const bytes = encodeValue(new Uint8Array([1, 2, 3])).value;
    const out = await runBatch([task("d", ["defaulted"], { x: 2 }), task("s", ["summed"], { bytes }), task("b", ["boxed"], { x: 4 })]);
    expect(out.failures).toEqual([]);
    expect(out.outputs.slice(0, 2)).toEqual([6, 6]);
    const boxed = decodeValue(out.outputs[2], { single: true }) as { x: number; bytes: Uint8Array };
    expect(boxed.x).toBe(4);
    expect(boxed.bytes).toBeInstanceOf(Uint8Array);
    expect([...boxed.bytes]).toEqual([4, 4]);
  });

  test("output checks still report, each result naming its own task", async () => {
    const out = await runBatch([-1, 2].map((x, i) => task(`k[${i}]`, ["checked"], { x })));
    expect(out.outputs).toEqual([-1, 2]);
    const seen: Array<[number, string, boolean]> = [];
    for (const ev of out.events) forEachEvent(ev, () => ["checked"], (i, e) => e.type === "validation" && seen.push([i, e.results[0]!.taskId, e.results[0]!.passed]));
    expect(seen).toEqual([[0, "k[0]", false], [1, "k[1]", true]]);
  });
});

describe("outputs decoded in the calling thread", () => {
  test("names like __proto__ and constructor are own keys", () => {
    const out = decodeOutputs(["__proto__", "constructor", "x"], [0, 1, 2, 3], 1, new CodecModules());
    expect(Object.keys(out)).toEqual(["__proto__", "constructor", "x"]);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toBe(1);
    expect(out.constructor).toBe(2);
    const plain = decodeOutputs(["y"], [7], 0, new CodecModules());
    expect(plain).toEqual({ y: 7 });
  });
});

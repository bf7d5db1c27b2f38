// A worker's outbox: what a running batch says, and when it sends it.
import { describe, expect, test } from "vitest";
import { Outbox } from "../src/remote/outbox.js";
import { forEachEvent, type FromWorker, type ResultsMessage } from "../src/remote/worker-envelope.js";
import type { WireTaskShape } from "../src/remote/task-batch.js";

const shape: WireTaskShape = { nodes: ["each"], inputs: ["items"], outputs: ["each"], expanders: [] };

function outbox() {
  const sent: ResultsMessage[] = [];
  const box = new Outbox(1, { send: (m: FromWorker) => void sent.push(m as ResultsMessage) }, ["block-items[0]"], [shape], Int32Array.of(0));
  const eventsOf = (m: ResultsMessage) => {
    const out: string[] = [];
    if (m.events) forEachEvent(m.events, () => shape.nodes, (_i, e) => out.push(`${e.type}:${e.nodeName}`));
    return out;
  };
  return { box, sent, eventsOf };
}

describe("outbox", () => {
  test("live: a node's start goes at once; its end waits for the task's result, so both travel (or are lost) together", () => {
    const { box, sent, eventsOf } = outbox();
    box.event(0, shape, { taskId: "", type: "pre", nodeName: "each" }, true);
    expect(sent.map(eventsOf)).toEqual([["pre:each"]]);
    box.event(0, shape, { taskId: "", type: "post", nodeName: "each", success: true, durationMs: 1 }, true);
    expect(sent).toHaveLength(1); // a worker stopped now loses the post with the result: the re-run reports the node once
    box.put(7);
    box.succeedEncoded(0, 1, performance.now());
    box.flush();
    expect(sent).toHaveLength(2);
    expect(eventsOf(sent[1]!)).toEqual(["post:each"]);
    expect(sent[1]!.done).toEqual([0]);
    expect(sent[1]!.outputs).toEqual([7]);
  });
});

import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { getCodec } from "@hamilton-ts/kernel/contracts";
import { decodeValue, encodeValue, WIRE_KEY } from "@hamilton-ts/kernel/remote";
import { Float64, makeVector, Table, vectorFromArray, Utf8, type Vector } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { arrowTableCodec } from "./index.js";

function sample(rows: number): Table {
  return new Table({
    x: makeVector(Float64Array.from({ length: rows }, (_, i) => i)),
    label: vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 2 ? null : `row ${i}`)), new Utf8()),
  });
}

describe("Arrow codecs", () => {
  it("are registered by importing the package, naming the package as their module", () => {
    expect(getCodec("apache-arrow/table")?.module).toBe("@hamilton-ts/results-arrow");
    expect(getCodec("apache-arrow/vector")?.module).toBe("@hamilton-ts/results-arrow");
  });

  it("encode a Table as IPC bytes that own their buffer, and decode it intact", () => {
    const table = sample(5);
    const { data, transfer } = arrowTableCodec.encode(table);
    expect(data).toBeInstanceOf(Uint8Array);
    expect(transfer).toEqual([(data as Uint8Array).buffer]);
    expect((data as Uint8Array).byteLength).toBe((data as Uint8Array).buffer.byteLength);
    const back = arrowTableCodec.decode(data);
    expect(back.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(["x:Float64", "label:Utf8"]);
    expect(back.getChild("x")!.toArray()).toEqual(table.getChild("x")!.toArray());
    expect(back.getChild("label")!.toJSON()).toEqual(["row 0", null, "row 2", null, "row 4"]);
  });

  it("go through the kernel's encodeValue/decodeValue, nested in plain data", () => {
    const table = sample(3);
    const vector = vectorFromArray([1.5, 2.5], new Float64());
    const wire = encodeValue({ out: [table, vector] }, { transfer: true });
    // one envelope at the top lists the codec values inside, in the order they were met
    const env = wire.value as { [WIRE_KEY]: number; codecs: { id: string }[] };
    expect(env[WIRE_KEY]).toBe(1);
    expect(env.codecs.map((c) => c.id)).toEqual(["apache-arrow/table", "apache-arrow/vector"]);
    expect(wire.transfer).toHaveLength(2);
    const back = decodeValue(structuredClone(wire.value, { transfer: wire.transfer })) as { out: [Table, Vector] };
    expect(back.out[0].getChild("x")!.toArray()).toEqual(new Float64Array([0, 1, 2]));
    expect(back.out[1].toArray()).toEqual(new Float64Array([1.5, 2.5]));
    // transferred: the sender's copies are detached
    expect(wire.transfer.every((b) => b.byteLength === 0)).toBe(true);
  });

  it("cross to a worker thread and back with buffers transferred, not copied", async () => {
    const worker = new Worker(new URL("../test/fixtures/arrow-echo-worker.mjs", import.meta.url), { execArgv: ["--conditions=hamilton-ts:source"] });
    try {
      const rows = 10_000;
      const wire = encodeValue({ table: sample(rows), vector: makeVector(new Float64Array([1, 2, 3])) }, { transfer: true });
      expect(wire.transfer).toHaveLength(2);
      const sent = wire.transfer.map((b) => b.byteLength);
      expect(Math.min(...sent)).toBeGreaterThan(0);
      const replies: unknown[] = [];
      const done = new Promise<void>((resolve, reject) => {
        worker.on("message", (m) => (replies.push(m), replies.length === 2 && resolve()));
        worker.once("error", reject);
      });
      worker.postMessage(wire.value, wire.transfer);
      expect(wire.transfer.every((b) => b.byteLength === 0)).toBe(true);
      await done;
      const [first, second] = replies as [{ wire: unknown; transferred: number }, { detachedAfterSend: boolean }];
      expect(first.transferred).toBe(1);
      expect(second.detachedAfterSend).toBe(true);
      const back = decodeValue(first.wire) as { table: Table; vectorSum: number };
      expect(back.vectorSum).toBe(6);
      expect(back.table.numRows).toBe(rows);
      expect(back.table.getChild("x")!.get(rows - 1)).toBe(2 * (rows - 1));
      expect(back.table.getChild("label")!.get(2)).toBe("row 2");
      expect(back.table.getChild("label")!.get(3)).toBeNull();
    } finally {
      await worker.terminate();
    }
  });

  it("refuse bytes that are not Arrow IPC, naming the codec", () => {
    expect(() => arrowTableCodec.decode("nope")).toThrow(/Codec "apache-arrow\/table" expected Arrow IPC bytes/);
  });
});

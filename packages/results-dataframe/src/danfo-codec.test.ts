import { Worker } from "node:worker_threads";
import { getCodec } from "@hamilton-ts/kernel/contracts";
import { decodeValue, encodeValue, WIRE_KEY } from "@hamilton-ts/kernel/remote";
import { DataFrame, Series } from "danfojs-node";
import { describe, expect, it } from "vitest";
import { danfoDataFrameCodec, danfoSeriesCodec } from "./index.js";

function sample(): DataFrame {
  return new DataFrame(
    { amount: [1.5, 2, 3], count: [1, 2, 3], label: ["a", null, "c"], ok: [true, false, true], partial: [1, null, 3] },
    { index: ["r1", "r2", "r3"], dtypes: ["float32", "int32", "string", "boolean", "float32"] },
  );
}

describe("danfo codecs", () => {
  it("are registered by importing the package, naming the package as their module", () => {
    expect(getCodec("danfojs/dataframe")?.module).toBe("@hamilton-ts/results-dataframe");
    expect(getCodec("danfojs/series")?.module).toBe("@hamilton-ts/results-dataframe");
  });

  it("round-trip a DataFrame with columns, dtypes, index and missing values intact", () => {
    const frame = sample();
    const { data, transfer } = danfoDataFrameCodec.encode(frame);
    // numeric columns without missing values travel as transferable Float64Arrays
    expect(transfer).toHaveLength(2);
    const back = danfoDataFrameCodec.decode(structuredClone(data, { transfer: transfer as ArrayBuffer[] }));
    expect(back).toBeInstanceOf(DataFrame);
    expect(back.columns).toEqual(frame.columns);
    expect(back.dtypes).toEqual(["float32", "int32", "string", "boolean", "float32"]);
    expect(back.index).toEqual(["r1", "r2", "r3"]);
    expect(back.values).toEqual(frame.values);
    // the sender's frame is untouched: it was packed into new buffers
    expect(frame.column("amount").values).toEqual([1.5, 2, 3]);
  });

  it("round-trip a Series with its name, dtype and index", () => {
    const series = new Series([1, 2, 3], { index: [10, 20, 30], dtypes: ["float32"], columns: ["ratio"] });
    const back = danfoSeriesCodec.decode(structuredClone(danfoSeriesCodec.encode(series).data));
    expect(back.values).toEqual([1, 2, 3]);
    expect(back.dtype).toBe("float32");
    expect(back.index).toEqual([10, 20, 30]);
    expect(back.columns).toEqual(["ratio"]);
  });

  it("recognise frames and series that danfo operations return (danfo's base classes)", () => {
    const derived = sample().head(2);
    const column = sample().column("count");
    expect(derived instanceof DataFrame).toBe(false);
    const wire = encodeValue({ derived, column }).value as { [WIRE_KEY]: number; codecs: { id: string }[] };
    expect(wire[WIRE_KEY]).toBe(1);
    expect(wire.codecs.map((c) => c.id)).toEqual(["danfojs/dataframe", "danfojs/series"]);
    const back = decodeValue(wire) as { derived: DataFrame; column: Series };
    expect(back.derived.shape).toEqual([2, 5]);
    expect(back.column.index).toEqual(["r1", "r2", "r3"]);
  });

  it("round-trip an empty frame", () => {
    const empty = new DataFrame([], { columns: ["a", "b"] });
    const back = danfoDataFrameCodec.decode(danfoDataFrameCodec.encode(empty).data);
    expect(back.columns).toEqual(["a", "b"]);
    expect(back.shape[0]).toBe(0);
  });

  it("cross to a worker thread and back with dtypes and index intact", async () => {
    const worker = new Worker(new URL("../test/fixtures/danfo-echo-worker.mjs", import.meta.url), { execArgv: ["--conditions=hamilton-ts:source"] });
    try {
      const series = new Series(["u", "v", "w"], { index: [5, 6, 7], columns: ["tag"] });
      const wire = encodeValue({ frame: sample(), series }, { transfer: true });
      expect(wire.transfer).toHaveLength(2);
      const reply = new Promise<{ seen: Record<string, unknown>; wire: unknown }>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      worker.postMessage(wire.value, wire.transfer);
      expect(wire.transfer.every((b) => b.byteLength === 0)).toBe(true);
      const { seen, wire: back } = await reply;
      expect(seen).toEqual({
        columns: ["amount", "count", "label", "ok", "partial"],
        dtypes: ["float32", "int32", "string", "boolean", "float32"],
        index: ["r1", "r2", "r3"],
        seriesIndex: [5, 6, 7],
        seriesDtype: "string",
      });
      const { frame, series: s } = decodeValue(back) as { frame: DataFrame; series: Series };
      expect(frame.columns).toEqual(["amount", "count", "label", "ok", "partial", "doubled"]);
      expect(frame.index).toEqual(["r1", "r2", "r3"]);
      expect(frame.column("doubled").values).toEqual([3, 4, 6]);
      expect(frame.column("label").values).toEqual(["a", null, "c"]);
      expect(s.values).toEqual(["u", "v", "w"]);
    } finally {
      await worker.terminate();
    }
  }, 30_000);
});

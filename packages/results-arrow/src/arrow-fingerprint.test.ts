import { fingerprint, isUnhashable, listFingerprinters } from "@hamilton-ts/kernel/contracts";
import { decodeValue, encodeValue } from "@hamilton-ts/kernel/remote";
import {
  Bool, Dictionary, Field, Float32, Float64, Int32, List, makeVector, Schema, Struct, Table, tableFromArrays, tableFromIPC, tableToIPC,
  TimestampMillisecond, Utf8, vectorFromArray, type Vector,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import "./index.js";

const fp = async (v: unknown) => {
  const r = await fingerprint(v);
  if (isUnhashable(r)) throw new Error(r.reason);
  return r;
};
const roundTrip = (t: Table) => tableFromIPC(tableToIPC(t));

function rich(n: number, shift = 0): Table {
  const ids = Int32Array.from({ length: n }, (_, i) => i + shift);
  return new Table({
    f64: makeVector(Float64Array.from({ length: n }, (_, i) => i * 0.5 + shift)),
    i32: makeVector(ids),
    text: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `row ${i + shift}`)), new Utf8()),
    flag: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i % 2 === 0)), new Bool()),
    cat: vectorFromArray(Array.from({ length: n }, (_, i) => ["a", "b", "c"][(i + shift) % 3]!), new Dictionary(new Utf8(), new Int32())),
    when: vectorFromArray(Array.from({ length: n }, (_, i) => i * 1000 + shift), new TimestampMillisecond("UTC")),
    nested: vectorFromArray(
      Array.from({ length: n }, (_, i) => ({ x: i + shift, tags: [`t${i % 4}`] })),
      new Struct([new Field("x", new Int32()), new Field("tags", new List(new Field("item", new Utf8(), true)))]),
    ),
  });
}

describe("Arrow fingerprints", () => {
  it("are registered by importing the package", () => {
    expect(listFingerprinters().map((f) => f.id)).toEqual(expect.arrayContaining(["apache-arrow/table", "apache-arrow/vector"]));
  });

  it("equal tables fingerprint equal, and so does their IPC round trip (what a cache hit is checked against)", async () => {
    const t = rich(50);
    expect(await fp(rich(50))).toBe(await fp(t));
    expect(await fp(roundTrip(t))).toBe(await fp(t));
    expect(await fp(decodeValue(encodeValue(t).value))).toBe(await fp(t));
  });

  it("a sliced table and a multi-batch table survive the round trip", async () => {
    const sliced = rich(40).slice(7, 30);
    expect(await fp(roundTrip(sliced))).toBe(await fp(sliced));
    const batches = rich(10).concat(rich(12, 3));
    expect(batches.batches.length).toBe(2);
    expect(await fp(roundTrip(batches))).toBe(await fp(batches));
    // (a Table whose two columns share one buffer does not survive apache-arrow 21's IPC round trip at all;
    // the cache then reports a store-error and recomputes)
  });

  it("values, column names, types, nullability and metadata all count", async () => {
    const base = await fp(tableFromArrays({ a: Float64Array.from([1, 2]), b: Int32Array.from([3, 4]) }));
    const variants = [
      tableFromArrays({ a: Float64Array.from([1, 2]), b: Int32Array.from([3, 5]) }),
      tableFromArrays({ a: Float64Array.from([1, 2]), c: Int32Array.from([3, 4]) }),
      tableFromArrays({ b: Int32Array.from([3, 4]), a: Float64Array.from([1, 2]) }),
      tableFromArrays({ a: Float64Array.from([1, 2]), b: Float32Array.from([3, 4]) }),
      new Table(new Schema([new Field("a", new Float64(), false), new Field("b", new Int32(), true)]), {
        a: makeVector(Float64Array.from([1, 2])),
        b: makeVector(Int32Array.from([3, 4])),
      } as never),
      new Table(
        new Schema(tableFromArrays({ a: Float64Array.from([1, 2]), b: Int32Array.from([3, 4]) }).schema.fields, new Map([["source", "x"]])),
        tableFromArrays({ a: Float64Array.from([1, 2]), b: Int32Array.from([3, 4]) }).batches,
      ),
    ];
    for (const v of variants) expect(await fp(v)).not.toBe(base);
  });

  it("a Float32 and an Int32 column with the same bytes differ", async () => {
    const f = new Float32Array([1, 2]);
    const i = new Int32Array(f.buffer.slice(0));
    expect(await fp(tableFromArrays({ a: f }))).not.toBe(await fp(tableFromArrays({ a: i })));
  });

  it("nulls count: a null differs from the value hidden under it", async () => {
    const a = vectorFromArray([1, null, 3], new Int32());
    const b = vectorFromArray([1, 0, 3], new Int32());
    expect(await fp(new Table({ a }))).not.toBe(await fp(new Table({ a: b })));
  });

  it("dictionary columns by indices and dictionary", async () => {
    const a = vectorFromArray(["x", "y", "x"], new Dictionary(new Utf8(), new Int32()));
    const b = vectorFromArray(["x", "z", "x"], new Dictionary(new Utf8(), new Int32()));
    expect(await fp(new Table({ c: a }))).not.toBe(await fp(new Table({ c: b })));
    expect(await fp(a)).toBe(await fp(vectorFromArray(["x", "y", "x"], new Dictionary(new Utf8(), new Int32()))));
  });

  it("one changed value in a 1,000,000-row table changes the fingerprint", async () => {
    const n = 1_000_000;
    const cols = (k: number) => Object.fromEntries(Array.from({ length: 3 }, (_, c) => [`c${c}`, Float64Array.from({ length: n }, (_, i) => i * (c + 1) + (c === 2 && i === k ? 0.5 : 0))]));
    const t = tableFromArrays(cols(-1));
    const changed = tableFromArrays(cols(n - 1));
    expect(await fp(changed)).not.toBe(await fp(t));
    expect(await fp(tableFromArrays(cols(-1)))).toBe(await fp(t));
  });

  it("vectors: by type and chunks", async () => {
    const v: Vector = vectorFromArray([1, 2, 3], new Int32());
    expect(await fp(v)).toBe(await fp(vectorFromArray([1, 2, 3], new Int32())));
    expect(await fp(v)).not.toBe(await fp(vectorFromArray([1, 2, 3], new Float64())));
    expect(await fp(v)).not.toBe(await fp(new Table({ v })));
  });
});

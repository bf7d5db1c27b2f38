import { fingerprint, isUnhashable, listFingerprinters } from "@hamilton-ts/kernel/contracts";
import { decodeValue, encodeValue } from "@hamilton-ts/kernel/remote";
import { DataFrame, Series } from "danfojs-node";
import { describe, expect, it } from "vitest";
import "./index.js";

const fp = async (v: unknown) => {
  const r = await fingerprint(v);
  if (isUnhashable(r)) throw new Error(r.reason);
  return r;
};
const frame = (data: Record<string, unknown[]>, options: Record<string, unknown> = {}) => new DataFrame(data, options);

describe("danfo fingerprints (Hamilton's pandas cases)", () => {
  it("are registered by importing the package", () => {
    expect(listFingerprinters().map((f) => f.id)).toEqual(expect.arrayContaining(["danfojs/dataframe", "danfojs/series"]));
  });

  it("identical frames fingerprint equal, and so does their codec round trip (what a cache hit is checked against)", async () => {
    const a = frame({ x: [1, 2], y: [3, 4], s: ["a", "b"] });
    expect(await fp(frame({ x: [1, 2], y: [3, 4], s: ["a", "b"] }))).toBe(await fp(a));
    expect(await fp(decodeValue(encodeValue(a).value))).toBe(await fp(a));
    const indexed = frame({ x: [1, 2] }, { index: ["r1", "r2"] });
    expect(await fp(decodeValue(encodeValue(indexed).value))).toBe(await fp(indexed));
  });

  it("the same values under other column names differ", async () => {
    const a = frame({ region: ["East", "West"], revenue: [100, 200] });
    const b = frame({ student: ["East", "West"], height_cm: [100, 200] });
    expect(await fp(a)).not.toBe(await fp(b));
  });

  it("the same values with other dtypes differ", async () => {
    const a = frame({ a: [1, 2] }, { dtypes: ["int32"] });
    const b = frame({ a: [1, 2] }, { dtypes: ["float32"] });
    expect(await fp(a)).not.toBe(await fp(b));
    expect(await fp(frame({ a: [1, 2] }))).not.toBe(await fp(frame({ a: ["1", "2"] })));
  });

  it("row order, the index and one changed value all count", async () => {
    const a = frame({ a: [1, 2, 3], b: [4, 5, 6] });
    expect(await fp(a)).not.toBe(await fp(frame({ a: [3, 2, 1], b: [6, 5, 4] })));
    expect(await fp(a)).not.toBe(await fp(frame({ a: [1, 2, 3], b: [4, 5, 6] }, { index: [10, 11, 12] })));
    expect(await fp(a)).not.toBe(await fp(frame({ a: [1, 2, 3], b: [4, 5, 7] })));
  });

  it("series by name, dtype, index and values; a series differs from a one-column frame", async () => {
    const s = new Series([1, 2, 3], { columns: ["v"] });
    expect(await fp(s)).toBe(await fp(new Series([1, 2, 3], { columns: ["v"] })));
    expect(await fp(s)).not.toBe(await fp(new Series([1, 2, 3], { columns: ["w"] })));
    expect(await fp(s)).not.toBe(await fp(new Series([1, 2, 4], { columns: ["v"] })));
    expect(await fp(s)).not.toBe(await fp(frame({ v: [1, 2, 3] })));
    expect(await fp(decodeValue(encodeValue(s).value))).toBe(await fp(s));
  });
});

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { decodeValue, encodeValue } from "@hamilton-ts/kernel/remote";
import "@hamilton-ts/results-arrow";
import { makeVector, Table } from "apache-arrow";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { FileCacheStore } from "../src/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hamilton-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("FileCacheStore", () => {
  test("round-trips structured values: nested data, Maps, Sets, Dates, -0, NaN, BigInt, holes, typed arrays and Buffers", async () => {
    const store = new FileCacheStore(dir);
    // eslint-disable-next-line no-sparse-arrays
    const value = { a: [1, , 3], m: new Map([["k", new Set([1, 2])]]), d: new Date(5), z: -0, n: NaN, b: 10n ** 30n, u: undefined, small: new Int16Array([1, -2]), big: new Float64Array(10_000).fill(1.25), buf: Buffer.from("hi") };
    await store.set("k1", { dataVersion: "dv1", value });
    const back = await store.get("k1");
    expect(back).toEqual({ dataVersion: "dv1", value });
    const v = back!.value as typeof value;
    expect(Object.is(v.z, -0)).toBe(true);
    expect(1 in v.a).toBe(false);
    expect(v.big).toBeInstanceOf(Float64Array);
    expect(Buffer.isBuffer(v.buf)).toBe(true);
    expect(await store.get("missing")).toBeUndefined();
    expect(await store.has("k1")).toBe(true);
    expect(await store.has("missing")).toBe(false);
  });

  test("large views come back as views of the file's bytes (no copy), aligned for their type", async () => {
    const store = new FileCacheStore(dir);
    await store.set("k", { dataVersion: "dv", value: { x: new Float64Array(100_000).map((_, i) => i), y: new Int32Array(5_000).fill(7) } });
    const { value } = (await store.get("k"))!;
    const { x, y } = value as { x: Float64Array; y: Int32Array };
    expect(x.buffer).toBe(y.buffer); // one allocation: the file
    expect(x.buffer.byteLength).toBe((await stat(store.fileOf("k"))).size);
    expect(x.byteOffset % 64).toBe(0);
    expect(x[99_999]).toBe(99_999);
  });

  test("an Arrow Table, stored as IPC bytes, reloads reading its columns straight from the file", async () => {
    const store = new FileCacheStore(dir);
    const table = new Table({ v: makeVector(Float64Array.from({ length: 50_000 }, (_, i) => i * 2)) });
    await store.set("t", { dataVersion: "dv", value: structuredClone(encodeValue(table).value) });
    const back = decodeValue((await store.get("t"))!.value) as Table;
    const values = back.getChild("v")!.data[0]!.values as Float64Array;
    expect(values[49_999]).toBe(99_998);
    expect(values.buffer.byteLength).toBe((await stat(store.fileOf("t"))).size);
  });

  test("a URL or a relative path works; an empty path is refused", () => {
    expect(new FileCacheStore(pathToFileURL(dir)).path).toBe(dir);
    expect(new FileCacheStore(".hamilton-cache").path).toBe(join(process.cwd(), ".hamilton-cache"));
    expect(() => new FileCacheStore("")).toThrow(/folder path/);
  });

  test("a corrupt, truncated, empty or foreign file is an error naming the file, never a value", async () => {
    const store = new FileCacheStore(dir);
    await store.set("k", { dataVersion: "dv", value: { data: new Uint8Array(20_000).fill(3), label: "x" } });
    const file = store.fileOf("k");
    const good = await readFile(file);
    const cases: Array<[string, Buffer, RegExp]> = [
      ["a flipped byte in a section", Buffer.from(good.map((b, i) => (i === good.length - 10 ? b ^ 1 : b))), /checksum mismatch/],
      ["a flipped byte in the header", Buffer.from(good.map((b, i) => (i === 100 ? b ^ 1 : b))), /checksum mismatch/],
      ["a truncated file", good.subarray(0, good.length - 1), /truncated/],
      ["an empty file", Buffer.alloc(0), /truncated/],
      ["a foreign file", Buffer.alloc(200, 7), /not a hamilton-ts cache entry/],
    ];
    for (const [what, bytes, message] of cases) {
      await writeFile(file, bytes);
      await expect(store.get("k"), what).rejects.toThrow(message);
      await expect(store.get("k"), what).rejects.toThrow(file);
    }
    // writing again repairs it
    await store.set("k", { dataVersion: "dv2", value: 1 });
    expect(await store.get("k")).toEqual({ dataVersion: "dv2", value: 1 });
  });

  test("a file holding another key is not returned for this one", async () => {
    const store = new FileCacheStore(dir);
    await store.set("a", { dataVersion: "dv", value: "A" });
    await store.set("b", { dataVersion: "dv", value: "B" });
    await writeFile(store.fileOf("b"), await readFile(store.fileOf("a")));
    await expect(store.get("b")).rejects.toThrow(/does not hold key "b"/);
  });

  test("writes leave no temporary files; a value that cannot be stored leaves nothing", async () => {
    const store = new FileCacheStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k${i % 3}`, { dataVersion: "dv", value: i })));
    const files = (await readdir(dir, { recursive: true })).map(String);
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    await expect(store.set("fn", { dataVersion: "dv", value: () => 1 })).rejects.toThrow();
    expect(await store.has("fn")).toBe(false);
  });
});

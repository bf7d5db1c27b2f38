import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Driver } from "@hamilton-ts/kernel";
import { makeVector, Table, tableToIPC } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { ArrowTableResult } from "./index.js";
import { readArrowFile, writeArrowFile } from "./file.js";

const dir = await mkdtemp(join(tmpdir(), "hamilton-ts-arrow-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("Arrow IPC files", () => {
  it("write a run's Table as a .arrow file and read it back", async () => {
    const pipeline = { id: () => new Int32Array([1, 2, 3]), name: () => ["a", null, "c"], source: () => "test" };
    const table = (await new Driver({}, [pipeline], { adapter: new ArrowTableResult() }).execute(["id", "name", "source"])) as Table;
    const path = join(dir, "out.arrow");
    await writeArrowFile(path, table);
    const back = await readArrowFile(path);
    expect(back.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(["id:Int32", "name:Utf8", "source:Utf8"]);
    expect(back.toArray().map((r) => r.toJSON())).toEqual([
      { id: 1, name: "a", source: "test" },
      { id: 2, name: null, source: "test" },
      { id: 3, name: "c", source: "test" },
    ]);
  });

  it("read the IPC stream format too", async () => {
    const path = join(dir, "stream.arrows");
    await writeFile(path, tableToIPC(new Table({ x: makeVector(new Float64Array([4, 5])) }), "stream"));
    expect((await readArrowFile(path)).getChild("x")!.toArray()).toEqual(new Float64Array([4, 5]));
  });

  it("say which file could not be read", async () => {
    const path = join(dir, "not-arrow.arrow");
    await writeFile(path, "hello");
    await expect(readArrowFile(path)).rejects.toThrow(/Could not read ".*not-arrow.arrow" as an Arrow IPC file: it starts with neither/);
  });
});

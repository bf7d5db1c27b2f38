import { Builder, Driver, SimpleGraphAdapter } from "@hamilton-ts/kernel";
import { DataFrame, Series } from "danfojs-node";
import { describe, expect, it } from "vitest";
import { DataFrameResult, DataFrameResultError, SimpleDataFrameGraphAdapter, StrictIndexTypeDataFrameResult } from "./index.js";

// A small marketing pipeline; shape tests pass further values as inputs, which are returned as given.
const pipeline = {
  spend: () => [10, 20, 30],
  signups: () => new Int32Array([1, 4, 9]),
  channel: () => "web",
  cost_per_signup: (spend: number[], signups: Int32Array) => new Series(spend.map((s, i) => s / signups[i])),
  by_region: () => new DataFrame({ north: [1.5, 2.5, 3.5], south: ["a", "b", "c"] }),
};

async function run(outputs: string[], inputs: Record<string, unknown> = {}, adapter: object = new SimpleDataFrameGraphAdapter()): Promise<DataFrame> {
  const dr = new Driver({}, [pipeline], { adapter });
  return (await dr.execute(outputs, { inputs })) as DataFrame;
}

const rows = (df: DataFrame): unknown[][] => df.values as unknown[][];

describe("DataFrameResult through a Driver", () => {
  it("makes arrays, typed arrays and Series into columns, with dtypes", async () => {
    const df = await run(["spend", "signups", "cost_per_signup"]);
    expect(df).toBeInstanceOf(DataFrame);
    expect(df.columns).toEqual(["spend", "signups", "cost_per_signup"]);
    expect(df.dtypes).toEqual(["int32", "int32", "float32"]);
    expect(rows(df)).toEqual([
      [10, 1, 10],
      [20, 4, 5],
      [30, 9, 30 / 9],
    ]);
    expect(df.index).toEqual([0, 1, 2]);
  });

  it("keeps a Series' dtype and index", async () => {
    const ratio = new Series([1, 2, 3], { index: ["a", "b", "c"], dtypes: ["float32"] });
    const df = await run(["ratio", "spend"], { ratio });
    expect(df.index).toEqual(["a", "b", "c"]);
    expect(df.dtypes).toEqual(["float32", "int32"]);
  });

  it("returns a single DataFrame output as is", async () => {
    const given = new DataFrame({ a: [1] });
    expect(await run(["given"], { given })).toBe(given);
    const df = await run(["by_region"]);
    expect(df.columns).toEqual(["north", "south"]);
  });

  it("unpacks DataFrame outputs into output.column", async () => {
    const df = await run(["by_region", "spend"]);
    expect(df.columns).toEqual(["by_region.north", "by_region.south", "spend"]);
    expect(df.dtypes).toEqual(["float32", "string", "int32"]);
    expect(rows(df)[2]).toEqual([3.5, "c", 30]);
  });

  it("repeats scalars down the columns", async () => {
    const df = await run(["spend", "channel", "active", "budget"], { active: true, budget: 99.5 });
    expect(rows(df)).toEqual([
      [10, "web", true, 99.5],
      [20, "web", true, 99.5],
      [30, "web", true, 99.5],
    ]);
    expect(df.dtypes).toEqual(["int32", "string", "boolean", "float32"]);
  });

  it("infers dtypes as danfo does, keeping booleans and Dates with missing values", async () => {
    const when = new Date(0);
    const df = await run(["spend", "when", "flags", "dates", "labels"], { when, flags: [true, null, false], dates: [when, null, when], labels: ["a", null, "c"] });
    expect(df.dtypes).toEqual(["int32", "datetime", "boolean", "datetime", "string"]);
    expect(rows(df)[1]).toEqual([20, when, null, null, null]);
  });

  it("makes a one-row frame from all-scalar outputs", async () => {
    const df = await run(["channel", "budget"], { budget: 5 });
    expect(df.shape).toEqual([1, 2]);
    expect(rows(df)).toEqual([["web", 5]]);
  });

  it("aligns rows by index label when outputs hold the same labels in another order", async () => {
    const a = new Series([1, 2, 3], { index: ["x", "y", "z"] });
    const b = new Series([30, 10, 20], { index: ["z", "x", "y"] });
    const frame = new DataFrame({ v: ["Z", "Y", "X"] }, { index: ["z", "y", "x"] });
    const df = await run(["a", "b", "frame", "spend"], { a, b, frame });
    expect(df.index).toEqual(["x", "y", "z"]);
    expect(rows(df)).toEqual([
      [1, 10, "X", 10],
      [2, 20, "Y", 20],
      [3, 30, "Z", 30],
    ]);
  });

  it("treats danfo's default 0..n-1 index as no index: rows align by position", async () => {
    const labelled = new Series([5, 6, 7], { index: [100, 200, 300] });
    const df = await run(["labelled", "cost_per_signup"], { labelled });
    expect(df.index).toEqual([100, 200, 300]);
    expect(rows(df)[0]).toEqual([5, 10]);
  });

  it("works with Builder.withAdapter, with a plain SimpleGraphAdapter, and as a result builder", async () => {
    const dr = await new Builder().withModules(pipeline).withAdapter(new SimpleDataFrameGraphAdapter()).build();
    expect(((await dr.execute(["spend", "channel"])) as DataFrame).shape).toEqual([3, 2]);
    const dynamic = await new Builder()
      .withModules(pipeline)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withAdapters(new DataFrameResult())
      .build();
    expect(((await dynamic.execute(["spend", "signups"])) as DataFrame).columns).toEqual(["spend", "signups"]);
    expect((await run(["spend"], {}, new SimpleGraphAdapter(new DataFrameResult()))).columns).toEqual(["spend"]);
    expect(SimpleDataFrameGraphAdapter.buildResult({ a: [1, 2] })).toBeInstanceOf(DataFrame);
    expect((new StrictIndexTypeDataFrameResult().buildResult({ a: [1, 2] }) as DataFrame).shape).toEqual([2, 1]);
  });
});

describe("DataFrameResult errors", () => {
  async function failure(outputs: string[], inputs: Record<string, unknown>, adapter?: object): Promise<DataFrameResultError> {
    const error = await run(outputs, inputs, adapter).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(DataFrameResultError.isInstance(error)).toBe(true);
    return error as DataFrameResultError;
  }

  it("names the outputs whose lengths differ", async () => {
    const error = await failure(["spend", "signups", "short"], { short: new Series([1, 2]) });
    expect(error.outputs).toEqual(["spend", "signups", "short"]);
    expect(error.message).toMatch(/"spend", "signups" have 3 rows; "short" has 2 rows/);
    expect(error.message).toMatch(/no outer join on the index/);
  });

  it("names the outputs whose index labels differ", async () => {
    const a = new Series([1, 2, 3], { index: ["x", "y", "z"] });
    const b = new Series([1, 2, 3], { index: ["x", "y", "w"] });
    const error = await failure(["a", "b"], { a, b });
    expect(error.outputs).toEqual(["a", "b"]);
    expect(error.message).toMatch(/Outputs "a" and "b" have different index labels \("z" is only in "a"/);
  });

  it("names the outputs whose index types differ", async () => {
    const a = new Series([1, 2, 3], { index: ["x", "y", "z"] });
    const b = new Series([1, 2, 3], { index: [7, 8, 9] });
    expect((await failure(["a", "b"], { a, b })).message).toMatch(/index types string and number/);
  });

  it("names both outputs when a column is defined twice", async () => {
    const error = await failure(["by_region", "by_region.north"], { "by_region.north": [0, 0, 0] });
    expect(error.outputs).toEqual(["by_region", "by_region.north"]);
    expect(error.message).toMatch(/Column "by_region.north" is defined twice/);
  });

  it("refuses values with no column type, naming the output", async () => {
    expect((await failure(["spend", "cfg"], { cfg: { a: 1 } })).message).toMatch(/Output "cfg" is an instance of Object, which has no DataFrame column type/);
    expect((await failure(["spend", "ids"], { ids: new BigInt64Array(3) })).message).toMatch(/Output "ids" is a BigInt64Array/);
  });
});

describe("StrictIndexTypeDataFrameResult", () => {
  const strict = new SimpleGraphAdapter(new StrictIndexTypeDataFrameResult());

  it("accepts outputs with one index type, and plain arrays", async () => {
    const a = new Series([1, 2, 3], { index: ["x", "y", "z"] });
    const df = await run(["a", "spend", "channel"], { a }, strict);
    expect(df.index).toEqual(["x", "y", "z"]);
  });

  it("refuses outputs whose index types differ, even where DataFrameResult aligns by position", async () => {
    const labelled = new Series([5, 6, 7], { index: [100, 200, 300] });
    const error = await run(["labelled", "cost_per_signup"], { labelled }, strict).then(
      () => undefined,
      (e: unknown) => e as DataFrameResultError,
    );
    expect(DataFrameResultError.isInstance(error)).toBe(true);
    expect(error!.outputs).toEqual(["labelled", "cost_per_signup"]);
    expect(error!.message).toMatch(/index types differ \("labelled": number; "cost_per_signup": range\)/);
  });
});

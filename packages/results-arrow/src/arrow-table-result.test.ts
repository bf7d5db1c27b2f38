import { Builder, Driver, SimpleGraphAdapter } from "@hamilton-ts/kernel";
import { Bool, Float64, Int64, makeVector, Null, Table, TimestampMillisecond, Utf8, vectorFromArray, type DataType } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { ArrowResultError, ArrowTableResult } from "./index.js";

const prices = new Float64Array([10, 11, 12.5]);

// A small pipeline; shape tests pass further values as inputs, which are returned as given.
const pipeline = {
  price: () => prices,
  volume: () => [100, 200, 300],
  ticker: () => "ACME",
  notional: (price: Float64Array, volume: number[]) => Array.from(price, (p, i) => p * volume[i]),
  quotes: (price: Float64Array, volume: number[]) =>
    new Table({ bid: makeVector(price.map((p) => p - 0.5)), ask: makeVector(price.map((p) => p + 0.5)), size: vectorFromArray(volume, new Float64()) }),
};

async function run(outputs: string[], inputs: Record<string, unknown> = {}): Promise<Table> {
  const dr = new Driver({}, [pipeline], { adapter: new SimpleGraphAdapter(new ArrowTableResult()) });
  return (await dr.execute(outputs, { inputs })) as Table;
}

function typeOf(table: Table, column: string): DataType {
  return table.schema.fields.find((f) => f.name === column)!.type;
}

describe("ArrowTableResult through a Driver", () => {
  it("builds a Table whose typed-array column is the very same memory (no copy)", async () => {
    const table = await run(["price", "volume", "notional"]);
    expect(table.numRows).toBe(3);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["price", "volume", "notional"]);
    const data = table.getChild("price")!.data;
    expect(data).toHaveLength(1);
    expect(data[0].values).toBe(prices);
    expect(data[0].values.buffer).toBe(prices.buffer);
    expect(table.getChild("notional")!.toArray()).toEqual(new Float64Array([1000, 2200, 3750]));
  });

  it("keeps every typed array's element type without copying", async () => {
    const i32 = new Int32Array([1, 2]);
    const u8c = new Uint8ClampedArray([3, 4]);
    const big = new BigInt64Array([5n, 6n]);
    const table = await run(["i32", "u8c", "big"], { i32, u8c, big });
    expect(String(typeOf(table, "i32"))).toBe("Int32");
    expect(String(typeOf(table, "u8c"))).toBe("Uint8");
    expect(String(typeOf(table, "big"))).toBe("Int64");
    expect(table.getChild("i32")!.data[0].values).toBe(i32);
    expect(table.getChild("u8c")!.data[0].values.buffer).toBe(u8c.buffer);
    expect(table.getChild("big")!.data[0].values).toBe(big);
  });

  it("types plain arrays sensibly: numbers, bigints, strings, booleans, Dates and nulls", async () => {
    const day = new Date("2024-01-02T03:04:05.678Z");
    const table = await run(["n", "b", "s", "t", "d", "z"], {
      n: [1.5, null, 3],
      b: [1n, 2n, undefined],
      s: ["a", null, "c"],
      t: [true, false, null],
      d: [day, null, day],
      z: [null, undefined, null],
    });
    expect(typeOf(table, "n")).toBeInstanceOf(Float64);
    expect(typeOf(table, "b")).toBeInstanceOf(Int64);
    expect(typeOf(table, "s")).toBeInstanceOf(Utf8);
    expect(typeOf(table, "t")).toBeInstanceOf(Bool);
    expect(typeOf(table, "d")).toBeInstanceOf(TimestampMillisecond);
    expect(typeOf(table, "z")).toBeInstanceOf(Null);
    expect(table.getChild("n")!.toJSON()).toEqual([1.5, null, 3]);
    expect(table.getChild("b")!.toJSON()).toEqual([1n, 2n, null]);
    expect(table.getChild("s")!.toJSON()).toEqual(["a", null, "c"]);
    expect(table.getChild("t")!.toJSON()).toEqual([true, false, null]);
    expect(table.getChild("d")!.get(0)).toBe(day.getTime());
    expect(table.getChild("d")!.get(1)).toBeNull();
    expect(table.getChild("z")!.nullCount).toBe(3);
  });

  it("repeats scalars down the columns", async () => {
    const when = new Date(0);
    const table = await run(["price", "ticker", "fee", "open", "when", "none"], { fee: 0.25, open: true, when, none: null });
    expect(table.numRows).toBe(3);
    expect(table.getChild("ticker")!.toJSON()).toEqual(["ACME", "ACME", "ACME"]);
    expect(table.getChild("fee")!.toArray()).toEqual(new Float64Array([0.25, 0.25, 0.25]));
    expect(table.getChild("open")!.toJSON()).toEqual([true, true, true]);
    expect(table.getChild("when")!.toJSON()).toEqual([0, 0, 0]);
    expect(typeOf(table, "none")).toBeInstanceOf(Null);
    expect(table.getChild("none")!.length).toBe(3);
  });

  it("makes a one-row Table from all-scalar outputs", async () => {
    const table = await run(["ticker", "count"], { count: 7n });
    expect(table.numRows).toBe(1);
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ ticker: "ACME", count: 7n }]);
  });

  it("returns a single Table output as is", async () => {
    const dr = new Driver({}, [pipeline], { adapter: new ArrowTableResult() });
    const quotes = (await dr.execute(["quotes"])) as Table;
    const raw = (await dr.rawExecute(["quotes"])) as { quotes: Table };
    expect(quotes.schema.fields.map((f) => f.name)).toEqual(["bid", "ask", "size"]);
    const given = new Table({ a: makeVector(new Float64Array([1])) });
    expect(await run(["given"], { given })).toBe(given);
    expect(raw.quotes.numRows).toBe(quotes.numRows);
  });

  it("unpacks Table outputs into output.column and takes Vectors as columns", async () => {
    const flags = vectorFromArray([true, false, true], new Bool());
    const table = await run(["quotes", "ticker", "flags"], { flags });
    expect(table.schema.fields.map((f) => f.name)).toEqual(["quotes.bid", "quotes.ask", "quotes.size", "ticker", "flags"]);
    expect(table.getChild("quotes.ask")!.toArray()).toEqual(new Float64Array([10.5, 11.5, 13]));
    expect(table.getChild("flags")!.data[0]).toBe(flags.data[0]);
  });

  it("works with Builder.withAdapter and dynamic execution", async () => {
    const dr = await new Builder()
      .withModules(pipeline)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withAdapter(new SimpleGraphAdapter(new ArrowTableResult()))
      .build();
    const table = (await dr.execute(["price", "ticker"])) as Table;
    expect(table).toBeInstanceOf(Table);
    expect(table.getChild("price")!.data[0].values).toBe(prices);
    expect(table.getChild("ticker")!.toJSON()).toEqual(["ACME", "ACME", "ACME"]);
  });

  it("calls the static buildResult from the instance", () => {
    const outputs = { a: [1, 2] };
    expect(new ArrowTableResult().buildResult(outputs)).toBeInstanceOf(Table);
    expect((new ArrowTableResult().buildResult(outputs) as Table).numRows).toBe(2);
  });
});

describe("ArrowTableResult errors", () => {
  async function failure(outputs: string[], inputs: Record<string, unknown>): Promise<ArrowResultError> {
    const error = await run(outputs, inputs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ArrowResultError.isInstance(error)).toBe(true);
    return error as ArrowResultError;
  }

  it("names the outputs whose lengths differ", async () => {
    const error = await failure(["price", "volume", "short"], { short: [1, 2] });
    expect(error.outputs).toEqual(expect.arrayContaining(["price", "volume", "short"]));
    expect(error.message).toMatch(/"price", "volume" have 3 rows; "short" has 2 rows/);
  });

  it("names both outputs when a column is defined twice", async () => {
    const error = await failure(["quotes", "quotes.bid"], { "quotes.bid": [1, 2, 3] });
    expect(error.outputs).toEqual(["quotes", "quotes.bid"]);
    expect(error.message).toMatch(/Column "quotes.bid" is defined twice/);
  });

  it("refuses values with no Arrow type, naming the output", async () => {
    expect((await failure(["price", "cfg"], { cfg: { a: 1 } })).message).toMatch(/Output "cfg" is an instance of Object, which has no Arrow type/);
    expect((await failure(["price", "fn"], { fn: () => 1 })).outputs).toEqual(["fn"]);
    expect((await failure(["rows"], { rows: [{ a: 1 }] })).message).toMatch(/Output "rows" holds an instance of Object at index 0/);
    expect((await failure(["view"], { view: new DataView(new ArrayBuffer(8)) })).message).toMatch(/Output "view" is a DataView/);
  });

  it("refuses arrays that mix types", async () => {
    const error = await failure(["mixed"], { mixed: [1, "two", 3] });
    expect(error.message).toMatch(/Output "mixed" mixes number and string values \(first at index 1\)/);
  });
});

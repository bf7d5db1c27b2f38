import { Driver, extractColumns } from "@hamilton-ts/kernel";
import { DataFrame, type Series } from "danfojs-node";
import { describe, expect, it } from "vitest";
import "./index.js";

const frame = () => new DataFrame({ spend: [10, 20, 30], signups: [1, 2, 5] }, { index: ["mon", "tue", "wed"] });

describe("extractColumns of a danfo DataFrame", () => {
  it("gives each column node a Series with the frame's index", async () => {
    const dr = new Driver({}, { df: extractColumns(["spend", "signups"], frame), per: (spend: Series, signups: Series) => spend.div(signups) });
    const out = await dr.execute(["spend", "per"]);
    expect((out.spend as Series).values).toEqual([10, 20, 30]);
    expect((out.spend as Series).index).toEqual(["mon", "tue", "wed"]);
    expect((out.per as Series).values).toEqual([10, 10, 6]);
  });

  it("a missing column lists the frame's columns; fillWith makes a Series on the same index", async () => {
    await expect(new Driver({}, { df: extractColumns(["visits"], frame) }).execute(["visits"])).rejects.toThrow(/Column "visits" is missing from the value of node "df" \(it has: spend, signups\)/);
    const out = await new Driver({}, { df: extractColumns(["visits"], frame, { fillWith: 0 }) }).execute(["visits"]);
    expect((out.visits as Series).values).toEqual([0, 0, 0]);
    expect((out.visits as Series).index).toEqual(["mon", "tue", "wed"]);
  });
});

import { describe, expect, test } from "vitest";
import { ResultColumns } from "../src/contracts.js";

class TableError extends Error {
  constructor(
    message: string,
    readonly outputs: string[],
  ) {
    super(message);
  }
}

type Col = { name: string; output: string; length?: number };
const make = () => new ResultColumns<Col>({ builder: "TestResult", tableKind: "Table", error: (m, o) => new TableError(m, o) });

describe("ResultColumns: Hamilton's tabular result rules", () => {
  test("a column defined by two outputs is an error naming both", () => {
    const t = make();
    t.add({ name: "t.x", output: "t", length: 2 });
    const err = (() => {
      try {
        t.add({ name: "t.x", output: "other", length: 2 });
      } catch (e) {
        return e as TableError;
      }
    })();
    expect(err).toBeInstanceOf(TableError);
    expect(err!.message).toMatch(/Column "t.x" is defined twice: by output "t" and by output "other" \(a Table output/);
    expect(err!.outputs).toEqual(["t", "other"]);
  });

  test("one length for column-shaped outputs; scalars do not count; all scalars make one row", () => {
    const t = make();
    t.add({ name: "a", output: "a", length: 3 });
    t.add({ name: "s", output: "s" });
    expect(t.rowCount((c) => c.length, "")).toBe(3);
    const scalars = make();
    scalars.add({ name: "s", output: "s" });
    expect(scalars.rowCount((c) => c.length, "")).toBe(1);
    const bad = make();
    bad.add({ name: "a", output: "a", length: 3 });
    bad.add({ name: "b", output: "b", length: 3 });
    bad.add({ name: "c", output: "c", length: 2 });
    expect(() => bad.rowCount((c) => c.length, "Fix it upstream.")).toThrow(
      /TestResult needs outputs of one length, but "a", "b" have 3 rows; "c" has 2 rows\. Fix it upstream\./,
    );
  });
});

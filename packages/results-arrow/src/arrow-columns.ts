import { registerColumnAccess, type ColumnAccess } from "@hamilton-ts/kernel/contracts";
import { Table, vectorFromArray, type Vector } from "apache-arrow";

/**
 * How `extractColumns` reads an Arrow Table: each column node gets the
 * column's `Vector` (zero-copy); `fillWith` makes a Vector of one value.
 * Registered when `@hamilton-ts/results-arrow` is imported.
 */
export const arrowTableColumns: ColumnAccess<Table> = {
  id: "apache-arrow.Table",
  test: (value): value is Table => value instanceof Table,
  columnNames: (table) => table.schema.fields.map((f) => f.name),
  column: (table, name): Vector | null => table.getChild(name),
  filled: (table, value) => vectorFromArray(Array.from({ length: table.numRows }, () => value)),
};

registerColumnAccess(arrowTableColumns);

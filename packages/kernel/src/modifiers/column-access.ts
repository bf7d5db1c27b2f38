/**
 * How `extractColumns` reads a table type: which values it handles, their
 * column names, one column, and (for `fillWith`) a column of one repeated
 * value. Table plugins register one (`@hamilton-ts/results-arrow` for Arrow
 * Tables, `@hamilton-ts/results-dataframe` for danfo DataFrames), so the kernel
 * needs none of their libraries.
 *
 * @example
 * registerColumnAccess({
 *   id: "my-table",
 *   test: (v): v is MyTable => v instanceof MyTable,
 *   columnNames: (t) => t.names(),
 *   column: (t, name) => t.get(name),
 * });
 */
export interface ColumnAccess<T = unknown> {
  /** Unique name; registering the same id again replaces the earlier one. */
  readonly id: string;
  test(value: unknown): value is T;
  columnNames(table: T): readonly string[];
  column(table: T, name: string): unknown;
  /** A column holding `value` in every row (for `extractColumns(..., { fillWith })`). */
  filled?(table: T, value: unknown): unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A plain object of columns (`{ a: [1, 2], b: Float64Array }`): the kernel's own table. */
const plainObject: ColumnAccess<Record<string, unknown>> = {
  id: "plain-object",
  test: isPlainObject,
  columnNames: (t) => Object.keys(t),
  column: (t, name) => t[name],
  filled: (t, value) => {
    const first = Object.values(t).find((c) => c !== null && typeof c === "object" && typeof (c as ArrayLike<unknown>).length === "number");
    return Array.from({ length: first ? (first as ArrayLike<unknown>).length : 0 }, () => value);
  },
};

const registry: ColumnAccess[] = [];

/** Teach `extractColumns` a table type (plugins call this when imported). */
export function registerColumnAccess<T>(access: ColumnAccess<T>): void {
  const i = registry.findIndex((a) => a.id === access.id);
  if (i >= 0) registry.splice(i, 1);
  registry.unshift(access as ColumnAccess);
}

/** The column access for a value: the latest registered that accepts it, else plain objects. */
export function columnAccessFor(value: unknown): ColumnAccess | undefined {
  return registry.find((a) => a.test(value)) ?? (plainObject.test(value) ? (plainObject as ColumnAccess) : undefined);
}

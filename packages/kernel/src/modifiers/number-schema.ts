import { GraphError } from "../errors.js";
import { show } from "../node/define.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/** Options of `numberSchema` (and the numeric shorthand of `checkOutput`). */
export interface NumberSchemaOptions {
  /** Inclusive bounds every value must lie within (Hamilton's `range=`). */
  readonly range?: readonly [min: number, max: number];
  /** `"number"`, `"integer"` (a number without fraction) or `"bigint"` (Hamilton's `data_type=`). */
  readonly dataType?: "number" | "integer" | "bigint";
  /** Whether NaN passes (default false: a NaN is a data problem). */
  readonly allowNaN?: boolean;
}

const MAX_ISSUES = 20;

/**
 * A Standard Schema for numbers, or for every element of an array, typed
 * array, Arrow vector or danfo Series: the numeric checks of Hamilton's
 * `@check_output(range=…, data_type=…)`. Issues name the index of each bad
 * element (the first 20, then a count).
 *
 * @example
 * export const ages = checkOutput({ schema: numberSchema({ range: [0, 130], dataType: "integer" }), importance: "fail" }, (raw: number[]) => raw);
 */
export function numberSchema(options: NumberSchemaOptions): StandardSchemaV1<unknown> {
  const { range, dataType = "number", allowNaN = false } = options;
  if ((range !== undefined && !(Array.isArray(range) && range.length === 2 && range[0] <= range[1])) || !["number", "integer", "bigint"].includes(dataType)) {
    throw new GraphError(`numberSchema: range must be [min, max] with min <= max and dataType "number", "integer" or "bigint"; got ${JSON.stringify({ range, dataType })}.`);
  }
  const problem = (v: unknown): string | undefined =>
    typeof v !== (dataType === "bigint" ? "bigint" : "number")
      ? `expected a ${dataType === "bigint" ? "bigint" : "number"}, got ${show(v)}`
      : v !== v
        ? allowNaN ? undefined : "NaN"
        : dataType === "integer" && !Number.isInteger(v)
          ? `expected an integer, got ${v}`
          : range && !((v as number) >= range[0] && (v as number) <= range[1])
            ? `${v} is outside [${range[0]}, ${range[1]}]`
            : undefined;
  const validate = (value: unknown): StandardSchemaV1.Result<unknown> => {
    const list = typeof value === "object" && value !== null ? (Symbol.iterator in value ? value : (value as { values?: unknown }).values) : undefined;
    if (list === undefined || !(Symbol.iterator in Object(list))) {
      const p = problem(value);
      return p ? { issues: [{ message: p }] } : { value };
    }
    const issues: StandardSchemaV1.Issue[] = [];
    let bad = 0;
    let i = 0;
    for (const v of list as Iterable<unknown>) {
      const p = problem(v);
      if (p && ++bad <= MAX_ISSUES) issues.push({ message: p, path: [i] });
      i++;
    }
    if (bad > MAX_ISSUES) issues.push({ message: `and ${bad - MAX_ISSUES} more of ${i} values` });
    return bad > 0 ? { issues } : { value };
  };
  return { "~standard": { version: 1, vendor: "numberSchema", validate } };
}

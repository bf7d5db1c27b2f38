import {
  Bool,
  Float64,
  Int64,
  makeVector,
  Null,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  Vector,
  type DataType,
} from "apache-arrow";
import { ArrowResultError } from "./arrow-result-error.js";

/** A value `ArrowTableResult` repeats down a column. */
export type ArrowScalar = number | bigint | string | boolean | Date | null | undefined;

type Kind = "number" | "bigint" | "string" | "boolean" | "Date";

/** Whether a value is a scalar that `ArrowTableResult` repeats down a column. */
export function isArrowScalar(value: unknown): value is ArrowScalar {
  return value === null || value === undefined || value instanceof Date || kindOf(value) !== undefined;
}

function kindOf(value: unknown): Kind | undefined {
  switch (typeof value) {
    case "number":
    case "bigint":
    case "string":
    case "boolean":
      return typeof value as Kind;
    default:
      return value instanceof Date ? "Date" : undefined;
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return `an instance of ${value.constructor?.name || "an anonymous class"}`;
  return typeof value === "function" ? "a function" : typeof value;
}

const ARROW_TYPE: Record<Kind, () => DataType> = {
  number: () => new Float64(),
  bigint: () => new Int64(),
  string: () => new Utf8(),
  boolean: () => new Bool(),
  Date: () => new TimestampMillisecond(),
};

/**
 * Turn a typed array into an Arrow vector over the very same memory (no copy).
 * `Uint8ClampedArray` is viewed as `Uint8Array`; `DataView` has no element type.
 */
function vectorFromTypedArray(output: string, value: ArrayBufferView): Vector {
  if (value instanceof DataView) {
    throw new ArrowResultError(
      `Output "${output}" is a DataView, which has no element type: return a typed array such as Float64Array instead.`,
      [output],
    );
  }
  if (value instanceof Uint8ClampedArray) return makeVector(new Uint8Array(value.buffer, value.byteOffset, value.length));
  return makeVector(value as Float64Array);
}

/**
 * Infer the Arrow type of a plain array's elements and build the vector: numbers
 * become Float64 (JavaScript numbers are doubles), bigints Int64, strings Utf8,
 * booleans Bool, `Date`s Timestamp<MILLISECOND>; `null` and `undefined` are nulls,
 * and an array of nulls only has the Null type.
 */
function vectorFromPlainArray(output: string, values: readonly unknown[]): Vector {
  let kind: Kind | undefined;
  let hasNull = false;
  let hasUndefined = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      hasNull = true;
      if (v === undefined) hasUndefined = true;
      continue;
    }
    const k = kindOf(v);
    if (k === undefined) {
      throw new ArrowResultError(
        `Output "${output}" holds ${describe(v)} at index ${i}, which has no Arrow column type. ` +
          `Columns hold numbers, bigints, strings, booleans, Dates or nulls: convert it upstream, or use DictResult for this output.`,
        [output],
      );
    }
    if (kind === undefined) kind = k;
    else if (k !== kind) {
      throw new ArrowResultError(
        `Output "${output}" mixes ${kind} and ${k} values (first at index ${i}); an Arrow column holds one type. Convert the values to one type upstream.`,
        [output],
      );
    }
  }
  if (kind === undefined) return vectorFromArray(new Array<null>(values.length).fill(null), new Null());
  // numbers without nulls: one typed-array copy instead of a builder pass
  if (kind === "number" && !hasNull) return makeVector(Float64Array.from(values as number[]));
  // Arrow's builders take only `null` as null
  const cells = hasUndefined ? values.map((v) => (v === undefined ? null : v)) : values;
  return vectorFromArray(cells as unknown[], ARROW_TYPE[kind]() as never) as Vector;
}

/**
 * Turn one output value into an Arrow vector, or `undefined` if it is not
 * column-shaped (a scalar or a Table, which the caller handles).
 */
export function vectorFromOutput(output: string, value: unknown): Vector | undefined {
  if (value instanceof Vector) return value;
  if (ArrayBuffer.isView(value)) return vectorFromTypedArray(output, value);
  if (Array.isArray(value)) return vectorFromPlainArray(output, value);
  return undefined;
}

/** A column of `length` copies of `value`. */
export function repeatScalar(value: ArrowScalar, length: number): Vector {
  if (value === null || value === undefined) return vectorFromArray(new Array<null>(length).fill(null), new Null());
  if (typeof value === "number") return makeVector(new Float64Array(length).fill(value));
  if (typeof value === "bigint") return makeVector(new BigInt64Array(length).fill(value));
  const kind = kindOf(value) as Kind;
  return vectorFromArray(new Array<unknown>(length).fill(value), ARROW_TYPE[kind]() as never) as Vector;
}

/** Describe a value for an error message. */
export { describe as describeValue };

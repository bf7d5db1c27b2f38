import { GraphError } from "../errors.js";
import { isNames, show, withMeta, type Extraction, type NodeMeta } from "../node/define.js";
import type { ExtraTypes, IsVariant, OwnType, Retyped } from "../node/node-types.js";
import { checkNotExtractingMany } from "./parameterize.js";

type AnyFn = (...args: never[]) => unknown;

/** Type names `extractFields({ field: "number" })` understands (for the field node's type when the function's result does not say). */
export interface FieldTypes {
  number: number;
  string: string;
  boolean: boolean;
  bigint: bigint;
  object: object;
  array: unknown[];
  unknown: unknown;
}

/** Options of `extractFields` and `extractColumns`. */
export interface ExtractOptions {
  /** A missing field or column gets this value (a column: repeated for every row) instead of failing the node. */
  readonly fillWith?: unknown;
}

type FieldSpec = readonly string[] | Readonly<Record<string, keyof FieldTypes>>;
type FieldNames<S> = S extends readonly (infer N extends string)[] ? N : keyof S & string;
// the function's result type where it names the field, else the type name given, else unknown
type FieldType<Own, S, K extends string> = K extends keyof Own
  ? string extends keyof Own
    ? S extends Readonly<Record<K, infer T extends keyof FieldTypes>>
      ? FieldTypes[T]
      : Own[K]
    : Own[K]
  : S extends Readonly<Record<K, infer T extends keyof FieldTypes>>
    ? FieldTypes[T]
    : unknown;

function extracting(kind: Extraction["kind"], names: unknown, options: ExtractOptions | undefined, fn: AnyFn) {
  const where = kind === "fields" ? "extractFields(fields, fn)" : "extractColumns(columns, fn)";
  if (!isNames(names) || names.length === 0 || new Set(names).size < names.length) {
    throw new GraphError(`${where}: expected distinct names, e.g. ${kind === "fields" ? '{ mean: "number" } or ["mean"]' : '["a", "b"]'}; got ${show(names)}.`);
  }
  const fill = options && Object.prototype.hasOwnProperty.call(options, "fillWith") ? { value: options.fillWith } : undefined;
  return withMeta(fn, (meta: NodeMeta) => {
    if (meta.extract) throw new GraphError(`${where}: the function extracts already; list every field or column in one call.`);
    checkNotExtractingMany(Object.keys(meta.parameterize ?? {}).length, true);
    return { ...meta, extract: { kind, names, ...(fill ? { fill } : {}) } };
  });
}

/**
 * The object node plus one node per field (Hamilton's `@extract_fields`): the
 * node named by the export key returns an object, and each field becomes a
 * node of its own. `fields` is a list of names, or names → type names
 * (`"number"`, `"string"`…) that type the field nodes when the function's
 * result type does not. A missing field fails that field's node, naming it,
 * unless `fillWith` is given.
 *
 * @example
 * export const stats = extractFields({ mean: "number", std: "number" }, (spend: number[]) => ({ mean: avg(spend), std: sd(spend) }));
 */
export function extractFields<const S extends FieldSpec, F extends AnyFn>(
  fields: S,
  fn: F,
  options?: ExtractOptions,
): Retyped<F, OwnType<F>, ExtraTypes<F> & { -readonly [K in FieldNames<S>]: FieldType<OwnType<F>, S, K> }, IsVariant<F>> {
  const names = typeof fields === "object" && fields !== null && !Array.isArray(fields) ? Object.keys(fields) : fields;
  return extracting("fields", names, options, fn) as never;
}

/**
 * The table node plus one node per column (Hamilton's `@extract_columns`), for
 * plain objects of arrays, Arrow Tables (`@hamilton-ts/results-arrow`) and danfo
 * DataFrames (`@hamilton-ts/results-dataframe`); other table types register
 * with `registerColumnAccess`. A missing column fails that column's node,
 * naming it, unless `fillWith` is given.
 *
 * @example
 * export const frame = extractColumns(["a", "b"], (raw: string) => ({ a: [1, 2], b: [raw, raw] }));
 */
export function extractColumns<const C extends readonly string[], F extends AnyFn>(
  columns: C,
  fn: F,
  options?: ExtractOptions,
): Retyped<F, OwnType<F>, ExtraTypes<F> & { -readonly [K in C[number]]: K extends keyof OwnType<F> ? OwnType<F>[K] : unknown }, IsVariant<F>> {
  return extracting("columns", columns, options, fn) as never;
}

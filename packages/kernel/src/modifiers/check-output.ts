import { GraphError, type ValidationResult } from "../errors.js";
import { isNames, show, withMeta, type NodeFunction, type OutputCheck } from "../node/define.js";
import { numberSchema, type NumberSchemaOptions } from "./number-schema.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

type AnyFn = (...args: never[]) => unknown;
type Issue = ValidationResult["issues"][number];

/** What a plain validator may return: pass/fail, or pass/fail with a message and issues. */
export type ValidatorOutcome = boolean | { readonly passed: boolean; readonly message?: string; readonly issues?: readonly Issue[] };

/** Options of `checkOutput`: one of `schema`, `validator` or the numeric shorthand (`range`, `dataType`). */
export interface CheckOutputOptions extends NumberSchemaOptions {
  /** Any Standard Schema (zod, valibot, arktype, …, or `numberSchema`). */
  readonly schema?: StandardSchemaV1;
  /** A function of the value; a throw counts as a failed check with the error's message. */
  readonly validator?: (value: unknown) => ValidatorOutcome | Promise<ValidatorOutcome>;
  /** `"fail"`: a failed check fails the node with a `DataValidationError`; `"warn"` (the default, as in Hamilton): recorded only. */
  readonly importance?: "warn" | "fail";
  /**
   * Which nodes of the definition to check (Hamilton's `target_`): by default
   * the function's own value (each parameterized node, or the table of an
   * `extractColumns`); name extracted fields or columns to check those instead.
   */
  readonly target?: string | readonly string[];
}

const pathOf = (issue: StandardSchemaV1.Issue) =>
  issue.path?.map((p) => {
    const key = typeof p === "object" && p !== null ? (p as StandardSchemaV1.PathSegment).key : p;
    return typeof key === "number" ? key : String(key);
  });

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Turn `checkOutput`'s options into an `OutputCheck` (for wrappers and tests). */
export function outputCheckOf(options: CheckOutputOptions): OutputCheck {
  const fail = (why: string) => new GraphError(`checkOutput(options, fn): ${why}.`);
  if (typeof options !== "object" || options === null) throw fail('options must be an object such as { schema, importance: "fail" }');
  const { schema, validator, importance = "warn" } = options;
  if (importance !== "warn" && importance !== "fail") throw fail(`importance must be "warn" or "fail", got ${show(importance)}`);
  const numeric = options.range !== undefined || options.dataType !== undefined || options.allowNaN !== undefined;
  if (+(schema !== undefined) + +(validator !== undefined) + +numeric !== 1) {
    throw fail("give exactly one of schema (a Standard Schema such as a zod schema), validator (a function) or range/dataType");
  }
  let name: string;
  let run: (value: unknown) => unknown;
  // what `run` returned, as one result
  let judge: (out: unknown) => { passed: boolean; message?: string; issues?: readonly Issue[] };
  if (validator !== undefined) {
    if (typeof validator !== "function") throw fail("validator must be a function of the value");
    // (an inline `validator: (x) => …` is named "validator" by the object literal)
    name = validator.name && validator.name !== "validator" ? `validator ${validator.name}` : "validator";
    run = validator;
    judge = (out) =>
      typeof out === "boolean"
        ? { passed: out, ...(out ? {} : { message: `${name}: returned false` }) }
        : typeof out === "object" && out !== null && typeof (out as { passed?: unknown }).passed === "boolean"
          ? (out as { passed: boolean })
          : { passed: false, message: `${name}: returned ${show(out)}; return true/false or { passed, message }` };
  } else {
    const std = (schema ?? numberSchema(options))?.["~standard"];
    if (typeof std?.validate !== "function") throw fail('schema must implement Standard Schema (a "~standard" property with validate), as zod, valibot and arktype schemas do');
    name = std.vendor || "schema";
    run = (v) => std.validate(v);
    judge = (out) => {
      const issues = (out as StandardSchemaV1.Result<unknown>).issues;
      return { passed: !issues, issues: issues?.map((i) => ({ message: String(i.message), ...(i.path?.length ? { path: pathOf(i)! } : {}) })) };
    };
  }
  return (value, where) => {
    const result = ({ passed, message, issues = [] }: ReturnType<typeof judge>): readonly ValidationResult[] => {
      const shown = issues.slice(0, 3).map((i) => (i.path ? `${i.path.join(".")}: ${i.message}` : i.message));
      const summary = `${name}: ${passed ? "passed" : shown.join("; ") || "failed"}${issues.length > 3 ? `; and ${issues.length - 3} more` : ""}`;
      const { nodeName, taskId, runId } = where;
      return [{ nodeName, taskId, runId, passed, importance, validator: name, message: message ?? summary, issues: issues.slice(0, 20) }];
    };
    const done = (out: unknown) => result(judge(out));
    const threw = (e: unknown) => result({ passed: false, message: `${name}: threw ${errorMessage(e)}`, issues: [{ message: errorMessage(e) }] });
    let out: unknown;
    try {
      out = run(value);
    } catch (e) {
      return threw(e);
    }
    // a sync check keeps a sync node sync
    return typeof (out as PromiseLike<unknown> | null)?.then === "function"
      ? Promise.resolve(out).then(done, threw)
      : done(out);
  };
}

/**
 * Validate a node's value wherever it runs (Hamilton's `@check_output`), with
 * any Standard Schema (zod, valibot, arktype…), a validator function, or the
 * numeric shorthand `{ range: [min, max], dataType }` (see `numberSchema`).
 * `importance: "fail"` fails the node with a `DataValidationError` naming it and
 * the issues; `"warn"` (the default) records the result. Results are listed by
 * `Driver.validationResults(runId?)`. Several checks may be stacked.
 *
 * @example
 * export const total = checkOutput({ range: [0, 1e6], importance: "fail" }, (spend: number[]) => spend.reduce((a, b) => a + b, 0));
 */
export function checkOutput<F extends AnyFn>(options: CheckOutputOptions, fn: F): NodeFunction<F> {
  const check = outputCheckOf(options);
  const target = typeof options.target === "string" ? [options.target] : options.target;
  if (target && (!isNames(target) || target.length === 0)) throw new GraphError(`checkOutput(options, fn): target must name nodes of the definition, e.g. target: ["mean"].`);
  return withMeta(fn, (meta) =>
    target
      ? { ...meta, targetedChecks: [...(meta.targetedChecks ?? []), { target, check }] }
      : { ...meta, checks: [...(meta.checks ?? []), check] },
  );
}

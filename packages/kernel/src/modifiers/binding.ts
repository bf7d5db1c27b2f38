import { GraphError } from "../errors.js";

const BINDING: unique symbol = Symbol.for("hamilton-ts.binding") as never;

/** A parameter bound to a constant by `value(x)`. */
export interface ValueBinding<T = unknown> {
  readonly [BINDING]: "value";
  readonly value: T;
}

/** A parameter bound to another node (or, with `{ input: true }`, an input) by `source("name")`. */
export interface SourceBinding {
  readonly [BINDING]: "source";
  readonly source: string;
  /** The name is an input given to `execute()`, not a node: no build-time check that a node has it. */
  readonly input: boolean;
}

/** What `parameterize` binds a parameter to. */
export type Binding = ValueBinding | SourceBinding;

/**
 * Bind a parameter of a `parameterize`d function to a constant.
 *
 * @example
 * export const spend_per = parameterize({ spend_per_visit: { scale: value(100) } }, (spend: number, scale: number) => spend * scale);
 */
export function value<T>(x: T): ValueBinding<T> {
  return Object.freeze({ [BINDING]: "value" as const, value: x });
}

/**
 * Bind a parameter of a `parameterize`d function to another node: the
 * parameter receives that node's value. `build()` checks that some module
 * defines the node; for an input given to `execute()`, pass `{ input: true }`.
 *
 * @example
 * export const spend_per = parameterize({ spend_per_signup: { denom: source("signups") } }, (spend: number, denom: number) => spend / denom);
 */
export function source(name: string, options: { readonly input?: boolean } = {}): SourceBinding {
  if (typeof name !== "string" || name === "") {
    throw new GraphError(`source(name) needs a node name, got ${typeof name === "string" ? "an empty string" : typeof name}.`);
  }
  return Object.freeze({ [BINDING]: "source" as const, source: name, input: options.input === true });
}

/** Whether a value was made by `value()` or `source()`; which one. */
export function bindingKind(b: unknown): "value" | "source" | undefined {
  if (typeof b !== "object" || b === null) return undefined;
  const k = (b as Record<symbol, unknown>)[BINDING];
  return k === "value" || k === "source" ? k : undefined;
}

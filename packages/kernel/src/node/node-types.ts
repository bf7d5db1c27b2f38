// Type-only machinery: which nodes a definition creates, and their value types.
// Read by the typed `execute()` (driver/typed-results.ts); nothing here exists
// at run time.

import type { NODE_META, NodeMeta } from "./define.js";

declare const NODE_TYPES: unique symbol;

/** What a definition creates, as types: see `NodeTypes`. */
export interface NodeTypeInfo {
  readonly own: unknown;
  readonly extra: object;
  readonly variant: boolean;
}

/**
 * Type-only: which nodes a definition creates and their value types. `own` is
 * the type of the node named by the export key (`never`: the export key names
 * no node, as with `parameterize`), `extra` maps the other nodes it creates to
 * their types, `variant` marks a `configWhen` (`name__suffix` is node `name`).
 */
export interface NodeTypes<Own, Extra extends object = {}, Variant extends boolean = false> {
  readonly [NODE_TYPES]?: { readonly own: Own; readonly extra: Extra; readonly variant: Variant };
}

type AnyFn = (...args: never[]) => unknown;

/** The types a value exported from a pipeline module defines (plain functions: their awaited return type). */
export type TypeInfoOf<F> = F extends { readonly [NODE_TYPES]?: infer I extends NodeTypeInfo }
  ? I
  : F extends (...args: never[]) => infer R
    ? { readonly own: Awaited<R>; readonly extra: {}; readonly variant: false }
    : never;

/** The type of the node an export key names (its function's awaited result). */
export type OwnType<F> = TypeInfoOf<F>["own"];
/** The other nodes a definition creates, name → type. */
export type ExtraTypes<F> = TypeInfoOf<F>["extra"];
/** Whether the definition is a `configWhen` variant. */
export type IsVariant<F> = TypeInfoOf<F>["variant"];

/** `F`'s call signature with node options and new node types (what modifiers return). */
export type Retyped<F extends AnyFn, Own, Extra extends object, Variant extends boolean = IsVariant<F>> = ((
  ...args: Parameters<F>
) => ReturnType<F>) & { readonly [NODE_META]: NodeMeta } & NodeTypes<Own, Extra, Variant>;

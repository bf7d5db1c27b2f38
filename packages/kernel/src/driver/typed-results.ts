// Type-only: what `execute()` returns, computed from the modules a Driver was
// built from and the adapters that build its result. Nothing here exists at run
// time; `driver.ts` and `builder.ts` only name these types in their signatures.

import type { NodeTypeInfo, TypeInfoOf } from "../node/node-types.js";
import type { DictResult, DictResultBrand } from "../results/result-mixin.js";

/** A module given as an `import * as ns` namespace object (or its type, for a location). */
export type ModuleShape = Readonly<Record<string, unknown>>;

/** `name__suffix` of a `configWhen` variant names node `name`. */
type NodeNameOf<K extends string, Variant> = Variant extends true ? (K extends `${infer Base}__${string}` ? Base : K) : K;

/** The nodes one export defines, as `{ name, type }` entries. */
type ExportEntries<K extends string, V> =
  [TypeInfoOf<V>] extends [never]
    ? never // not a node: a non-function export, a class
    : TypeInfoOf<V> extends infer I extends NodeTypeInfo
    ?
        | ([I["own"]] extends [never] ? never : { readonly name: NodeNameOf<K, I["variant"]>; readonly type: I["own"] })
        | { [E in keyof I["extra"] & string]: { readonly name: E; readonly type: I["extra"][E] } }[keyof I["extra"] & string]
    : never;

/** Every node entry of a module (or of each module of a union); `_` keys and `default` are no nodes. */
type ModuleEntries<M> = M extends unknown
  ? { [K in keyof M & string]: K extends `_${string}` | "default" ? never : ExportEntries<K, M[K]> }[keyof M & string]
  : never;

/**
 * Node name → value type for the modules `M` (a namespace type, or a union of
 * them): each function's awaited return type, `configWhen` variants under their
 * node's name (a union of the variants' types), and the nodes modifiers create.
 *
 * @example
 * type T = NodeTypesOf<typeof import("./pipeline.js")>; // { total: number; top: string[]; … }
 */
export type NodeTypesOf<M> = { [N in ModuleEntries<M>["name"]]: Extract<ModuleEntries<M>, { readonly name: N }>["type"] };

/** The outputs of a request for `K`: typed for nodes of `M`, `unknown` for any other name (an input). */
export type OutputsOf<M, K extends string> = { [P in K]: (NodeTypesOf<M> & { readonly [name: string]: unknown })[P] };

/**
 * What `execute()` returns for outputs `O` when `R` builds the result: `O` for
 * `DictResult` (and with no result builder), else whatever `R`'s
 * `doBuildResult`/`buildResult` returns (`unknown` for most: a `ResultMixin`
 * declares `unknown`).
 */
export type ResultOf<R, O> = R extends DictResultBrand
  ? O
  : R extends { doBuildResult(...args: never[]): infer X }
    ? Awaited<X>
    : R extends { buildResult(...args: never[]): infer X }
      ? Awaited<X>
      : O;

type IsResultAdapter<A> = A extends { doBuildResult(...args: never[]): unknown } | { buildResult(...args: never[]): unknown } ? true : false;

/** The adapter that builds the result after `withAdapters(...As)`: the last one that can, else the earlier `R`. */
export type LastResultAdapter<As extends readonly unknown[], R> = As extends readonly [...infer Init, infer Last]
  ? IsResultAdapter<Last> extends true
    ? Last
    : LastResultAdapter<Init, R>
  : As extends readonly (infer E)[]
    ? IsResultAdapter<E> extends true
      ? E
      : R
    : R;

/** What a Driver's `execute(K[])` resolves to. */
export type ExecuteResult<M, R, K extends string> = ResultOf<R, OutputsOf<M, K>>;

/** The default result builder of a Driver, as a type. */
export type DefaultResult = DictResult;

import { GraphError } from "../errors.js";
import { withMeta, type NodeMeta } from "../node/define.js";
import type { IsVariant, OwnType, Retyped } from "../node/node-types.js";
import type { Binding } from "./binding.js";

type AnyFn = (...args: never[]) => unknown;

/** What `parameterize` takes: node name → (parameter → `value(x)` or `source("node")`). */
export type ParameterizeSpec = Readonly<Record<string, Readonly<Record<string, Binding>>>>;

/**
 * One function, many nodes (Hamilton's `@parameterize`): one node per key of
 * `spec`, each with some parameters bound to a constant (`value(x)`) or to
 * another node (`source("node")`); the others are dependencies by name, as
 * usual. The export key itself names no node.
 *
 * @example
 * export const spend_per = parameterize({
 *   spend_per_signup: { denom: source("signups") },
 *   spend_per_visit: { denom: source("visits"), scale: value(100) },
 * }, (spend: number[], denom: number[], scale = 1) => spend.map((s, i) => (s / denom[i]!) * scale));
 */
export function parameterize<const S extends ParameterizeSpec, F extends AnyFn>(
  spec: S,
  fn: F,
): Retyped<F, never, { -readonly [K in keyof S]: OwnType<F> }, IsVariant<F>> {
  const where = "parameterize(spec, fn)";
  // bindings are checked where they are used (build), naming module and node
  if (typeof spec !== "object" || spec === null || Object.keys(spec).length === 0) {
    throw new GraphError(`${where}: spec must map each node to create to its bindings, e.g. { spend_per_visit: { denom: source("visits") } }.`);
  }
  return withMeta(fn, (meta: NodeMeta) => {
    if (meta.parameterize) throw new GraphError(`${where}: the function is parameterized already; give one spec with every node.`);
    checkNotExtractingMany(Object.keys(spec).length, meta.extract !== undefined);
    return { ...meta, parameterize: spec };
  }) as never;
}

/** Several parameterized nodes would each create the same extracted nodes. */
export function checkNotExtractingMany(parameterized: number, extracting: boolean): void {
  if (parameterized > 1 && extracting) {
    throw new GraphError(
      `parameterize with ${parameterized} nodes cannot be combined with extractFields/extractColumns: every parameterized node would create the same field nodes. ` +
        `Export one extracting node per parameterization instead.`,
    );
  }
}

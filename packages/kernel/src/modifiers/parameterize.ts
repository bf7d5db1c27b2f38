import { GraphError } from "../errors.js";
import { withMeta, type NodeMeta } from "../node/define.js";
import type { IsVariant, OwnType, Retyped } from "../node/node-types.js";
import { bindingKind, type Binding } from "./binding.js";

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
  if (typeof spec !== "object" || spec === null || Array.isArray(spec) || Object.keys(spec).length === 0) {
    throw new GraphError(`${where}: spec must be an object with one key per node to create, e.g. { spend_per_visit: { denom: source("visits") } }.`);
  }
  for (const [nodeName, bindings] of Object.entries(spec)) {
    if (typeof bindings !== "object" || bindings === null || Array.isArray(bindings)) {
      throw new GraphError(`${where}: spec.${nodeName} must be an object of parameter → value(x) or source("node"); use {} to bind nothing.`);
    }
    for (const [param, b] of Object.entries(bindings)) {
      if (!bindingKind(b)) {
        throw new GraphError(
          `${where}: parameter "${param}" of node "${nodeName}" must be bound with value(x) or source("node"), got ${b === null ? "null" : typeof b}. ` +
            `Write { ${param}: value(${typeof b === "string" ? JSON.stringify(b) : "x"}) } for a constant or { ${param}: source("node") } for another node.`,
        );
      }
    }
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

import { GraphError } from "../errors.js";
import { hasOwn } from "../execution/own-record.js";
import { show, type NodeMeta, type OutputCheck } from "../node/define.js";
import type { NodeSpec } from "../node/from-modules.js";
import { explicitOptionalDeps, minifiedNote, parseParameters } from "../node/parse-params.js";
import { bindingKind, type Binding, type SourceBinding, type ValueBinding } from "./binding.js";
import { columnAccessFor } from "./column-access.js";

/** Config key that turns every `checkOutput` off, as in Hamilton. */
export const DISABLE_CHECKS_CONFIG_KEY = "hamilton.data_quality.disable_checks";

/** A `source("name")` binding, checked once every module is expanded. */
export interface SourceReference {
  readonly node: string;
  readonly param: string;
  readonly source: string;
  readonly where: string;
}

/** One export, where it comes from, and the node name it gives (`name__suffix` → `name`). */
export interface Definition {
  readonly name: string;
  readonly exportKey: string;
  readonly module: string;
  readonly meta: NodeMeta;
  /** The module's exports, to undo compiler renames of parameter names. */
  readonly exports: Readonly<Record<string, unknown>>;
}

type AnyFn = (...args: unknown[]) => unknown;

const EMPTY_SET: ReadonlySet<string> = new Set<string>();

/** A value in a node's code description (for cache code versions): JSON where possible, bounded. */
function short(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = typeof value === "bigint" ? `${value}n` : Object.prototype.toString.call(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * The node `name` computed by the user's function with some parameters bound
 * (`parameterize`; none bound for a plain node): its dependencies, which are
 * optional and collected, and a function taking the dependencies in order.
 */
function head(d: Definition, params: readonly { name: string; optional: boolean }[], name: string, bindings: Readonly<Record<string, Binding>>, refs: SourceReference[]) {
  const where = `parameterize in ${d.module} (export ${d.exportKey})`;
  if (typeof bindings !== "object" || bindings === null) throw new GraphError(`${where}: node "${name}" needs an object of bindings ({} binds nothing).`);
  const missing = Object.keys(bindings).find((p) => !params.some((q) => q.name === p));
  if (missing) {
    const note = d.meta.deps ? undefined : minifiedNote(d.meta.fn);
    throw new GraphError(`${where}: node "${name}" binds parameter "${missing}", which the function does not have (parameters: ${params.map((q) => q.name).join(", ") || "none"})${note ? `; ${note}` : ""}.`);
  }
  const deps: string[] = [];
  const required = new Set<string>();
  const collect = new Set<string>();
  // per parameter: the index of its dependency, or the constant bound to it
  const plan: Array<{ dep: number } | { value: unknown }> = [];
  const described: string[] = [];
  for (const p of params) {
    const b = hasOwn(bindings, p.name) ? bindings[p.name] : undefined;
    if (b !== undefined && !bindingKind(b)) {
      throw new GraphError(`${where}: parameter "${p.name}" of node "${name}" must be bound with value(x) or source("node"), got ${show(b)}.`);
    }
    const collected = d.meta.collect.includes(p.name);
    if (b && bindingKind(b) === "value") {
      if (collected) throw new GraphError(`${where}: node "${name}" binds collected parameter "${p.name}" to a value; bind it to a source.`);
      plan.push({ value: (b as ValueBinding).value });
      described.push(`${p.name}=value(${short((b as ValueBinding).value)})`);
      continue;
    }
    const dep = b ? (b as SourceBinding).source : p.name;
    if (b) {
      described.push(`${p.name}=source(${dep})`);
      if (!(b as SourceBinding).input) refs.push({ node: name, param: p.name, source: dep, where });
    }
    if (!deps.includes(dep)) deps.push(dep);
    if (!p.optional) required.add(dep);
    if (collected) collect.add(dep);
    plan.push({ dep: deps.indexOf(dep) });
  }
  const user = d.meta.fn as AnyFn;
  // nothing bound: the user's function itself takes the dependencies
  const fn = described.length === 0 ? user : (...values: unknown[]) => user(...plan.map((s) => ("dep" in s ? values[s.dep] : s.value)));
  return { name, fn, deps, optional: new Set(deps.filter((x) => !required.has(x))), collect, modifier: described.length > 0 ? `parameterize(${described.join(", ")})` : undefined };
}

function missing(what: string, name: string, base: string, has: readonly string[]): TypeError {
  return new TypeError(
    `${what} "${name}" is missing from the value of node "${base}" (it has: ${has.slice(0, 10).join(", ") || "nothing"}${has.length > 10 ? ", …" : ""}). ` +
      `Return it from "${base}", or pass { fillWith }.`,
  );
}

/** Read a field as `extractFields` does: own properties, getters of a class, Map entries; never what Object.prototype has. */
function takeField(obj: unknown, field: string, base: string, fill: { value: unknown } | undefined): unknown {
  if (obj instanceof Map) {
    if (obj.has(field)) return obj.get(field);
  } else if (obj !== null && (typeof obj === "object" || typeof obj === "function")) {
    for (let o: object | null = obj; o !== null && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
      if (hasOwn(o, field)) return (obj as Record<string, unknown>)[field];
    }
  } else {
    throw new TypeError(`extractFields: node "${base}" returned ${show(obj)}, not an object with field "${field}".`);
  }
  if (fill) return fill.value;
  throw missing("Field", field, base, obj instanceof Map ? [...obj.keys()].map(String) : Object.keys(obj as object));
}

function takeColumn(table: unknown, column: string, base: string, fill: { value: unknown } | undefined): unknown {
  const access = columnAccessFor(table);
  if (!access) {
    throw new TypeError(
      `extractColumns: node "${base}" returned ${show(table)}, which no column access knows. Return a plain object of columns, or import ` +
        `@hamilton-ts/results-arrow (Arrow) or @hamilton-ts/results-dataframe (danfo) in the pipeline module (workers import it too), or registerColumnAccess().`,
    );
  }
  const names = access.columnNames(table);
  if (names.includes(column)) return access.column(table, column);
  if (fill && access.filled) return access.filled(table, fill.value);
  throw missing("Column", column, base, names);
}

/**
 * Turn one export into the node specs it defines: one node, or what its
 * modifiers create (parameterized nodes, extracted fields and columns), with
 * checks and tags where they belong. `source()` bindings are added to `refs`,
 * to be checked once every module is expanded.
 */
export function expandDefinition(d: Definition, config: Readonly<Record<string, unknown>>, refs: SourceReference[]): NodeSpec[] {
  const { meta, module } = d;
  const params = meta.deps
    ? ((optional) => meta.deps!.map((name) => ({ name, optional: optional.has(name) })))(explicitOptionalDeps(meta.fn, meta.deps))
    : parseParameters(meta.fn, d.name, { exports: d.exports });
  const names = params.map((p) => p.name);
  const fail = (why: string, note = meta.deps ? undefined : minifiedNote(meta.fn)) => new GraphError(`Node "${d.name}" (${module}) ${why}${note ? `; ${note}` : ""}.`);
  const dup = names.find((x, i) => names.indexOf(x) !== i);
  if (dup) throw fail(`names dependency "${dup}" twice`);
  const uncollected = meta.collect.find((p) => !names.includes(p));
  if (uncollected) throw fail(`collects "${uncollected}", but has no parameter of that name (parameters: ${names.join(", ") || "none"})`);
  const checksOn = !(hasOwn(config, DISABLE_CHECKS_CONFIG_KEY) && config[DISABLE_CHECKS_CONFIG_KEY] === true);
  const common = { exportKey: d.exportKey, module, source: meta.fn, depsDeclared: meta.deps !== undefined, tags: meta.tags, version: meta.version };
  const specs: NodeSpec[] = Object.entries(meta.parameterize ?? { [d.name]: {} }).map(([name, bindings]) => {
    const h = head(d, params, name, bindings, refs);
    if (h.deps.includes(h.name)) throw new GraphError(`Node "${h.name}" (${module}) depends on itself.`);
    return {
      ...common,
      name: h.name,
      fn: h.fn,
      deps: h.deps,
      optionalDeps: h.optional.size > 0 ? h.optional : EMPTY_SET,
      collect: h.collect.size > 0 ? h.collect : EMPTY_SET,
      parallelizable: meta.parallelizable,
      retry: meta.retry,
      timeoutMs: meta.timeoutMs,
      cache: meta.cache,
      checks: checksOn ? (meta.checks ?? []) : [],
      modifier: h.modifier,
    };
  });
  const ex = meta.extract;
  if (ex) {
    const base = specs[0]!.name;
    if (meta.parallelizable) throw fail(`is parallelizable and extracts ${ex.kind}: extract from a node downstream of it instead`);
    const take = ex.kind === "fields" ? takeField : takeColumn;
    for (const name of ex.names) {
      specs.push({
        ...common,
        name,
        fn: (value: unknown) => take(value, name, base, ex.fill),
        deps: [base],
        optionalDeps: EMPTY_SET,
        collect: EMPTY_SET,
        parallelizable: false,
        retry: undefined,
        timeoutMs: undefined,
        cache: undefined,
        checks: [],
        modifier: `${ex.kind === "fields" ? "extractFields" : "extractColumns"}(${base}).${name}${ex.fill ? ` fill ${short(ex.fill.value)}` : ""}`,
      });
    }
  }
  for (const { target, check } of checksOn ? (meta.targetedChecks ?? []) : []) {
    for (const t of target) {
      const i = specs.findIndex((s) => s.name === t);
      if (i < 0) {
        throw new GraphError(`checkOutput in ${module} (export ${d.exportKey}): target "${t}" is no node of this definition (its nodes: ${specs.map((s) => s.name).join(", ")}).`);
      }
      specs[i] = { ...specs[i]!, checks: [...specs[i]!.checks, check as OutputCheck] };
    }
  }
  return specs;
}

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
const NO_CHECKS: readonly OutputCheck[] = Object.freeze([]);
/** The bindings of a node that is no `parameterize` (an object no user has). */
const PLAIN: Readonly<Record<string, Binding>> = Object.freeze({});

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
 * (`parameterize`; `bindings` is PLAIN for a plain node, most of a graph,
 * which takes the fast way: no closure, no intermediate object).
 */
function head(d: Definition, names: readonly string[], optional: ReadonlySet<string>, name: string, bindings: Readonly<Record<string, Binding>>, refs: SourceReference[], checks: readonly OutputCheck[]): NodeSpec {
  const meta = d.meta;
  if (bindings === PLAIN) {
    return specOf(d, name, meta.fn, names, optional, meta.collect.length > 0 ? new Set(meta.collect) : EMPTY_SET, checks, undefined);
  }
  const where = `parameterize in ${d.module} (export ${d.exportKey})`;
  if (typeof bindings !== "object" || bindings === null) throw new GraphError(`${where}: node "${name}" needs an object of bindings ({} binds nothing).`);
  const missing = Object.keys(bindings).find((p) => !names.includes(p));
  if (missing) {
    const note = meta.deps ? undefined : minifiedNote(meta.fn);
    throw new GraphError(`${where}: node "${name}" binds parameter "${missing}", which the function does not have (parameters: ${names.join(", ") || "none"})${note ? `; ${note}` : ""}.`);
  }
  const deps: string[] = [];
  const required = new Set<string>();
  const collect = new Set<string>();
  // per parameter: the index of its dependency, or the constant bound to it
  const plan: Array<{ dep: number } | { value: unknown }> = [];
  const described: string[] = [];
  for (const p of names) {
    const b = hasOwn(bindings, p) ? bindings[p] : undefined;
    if (b !== undefined && !bindingKind(b)) {
      throw new GraphError(`${where}: parameter "${p}" of node "${name}" must be bound with value(x) or source("node"), got ${show(b)}.`);
    }
    const collected = meta.collect.includes(p);
    if (b && bindingKind(b) === "value") {
      if (collected) throw new GraphError(`${where}: node "${name}" binds collected parameter "${p}" to a value; bind it to a source.`);
      plan.push({ value: (b as ValueBinding).value });
      described.push(`${p}=value(${short((b as ValueBinding).value)})`);
      continue;
    }
    const dep = b ? (b as SourceBinding).source : p;
    if (b) {
      described.push(`${p}=source(${dep})`);
      if (!(b as SourceBinding).input) refs.push({ node: name, param: p, source: dep, where });
    }
    if (!deps.includes(dep)) deps.push(dep);
    if (!optional.has(p)) required.add(dep);
    if (collected) collect.add(dep);
    plan.push({ dep: deps.indexOf(dep) });
  }
  const user = meta.fn as AnyFn;
  // nothing bound: the user's function itself takes the dependencies
  const fn = described.length === 0 ? user : (...values: unknown[]) => user(...plan.map((s) => ("dep" in s ? values[s.dep] : s.value)));
  const opt = deps.filter((x) => !required.has(x));
  return specOf(d, name, fn, deps, opt.length > 0 ? new Set(opt) : EMPTY_SET, collect.size > 0 ? collect : EMPTY_SET, checks, described.length > 0 ? `parameterize(${described.join(", ")})` : undefined);
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

/** A node spec, always built here with the same fields in the same order (one hidden class for every node). */
function specOf(
  d: Definition,
  name: string,
  fn: NodeSpec["fn"],
  deps: readonly string[],
  optionalDeps: ReadonlySet<string>,
  collect: ReadonlySet<string>,
  checks: readonly OutputCheck[],
  modifier: string | undefined,
  /** Where retry, timeout and cache come from: the node's options, none for a field or column taken from its value. */
  own: Pick<NodeMeta, "retry" | "timeoutMs" | "cache"> = d.meta,
): NodeSpec {
  const meta = d.meta;
  return {
    name,
    exportKey: d.exportKey,
    module: d.module,
    fn,
    deps,
    optionalDeps,
    tags: meta.tags,
    collect,
    parallelizable: meta.parallelizable, // an extracting definition is never parallelizable
    retry: own.retry,
    timeoutMs: own.timeoutMs,
    cache: own.cache,
    version: meta.version,
    checks,
    source: meta.fn,
    modifier,
    depsDeclared: meta.deps !== undefined,
  };
}

/** A build error about definition `d`, noting when its function looks minified (parameter names then mean little). */
function failure(d: Definition, why: string): GraphError {
  const note = d.meta.deps ? undefined : minifiedNote(d.meta.fn);
  return new GraphError(`Node "${d.name}" (${d.module}) ${why}${note ? `; ${note}` : ""}.`);
}

/**
 * Turn one export into the node specs it defines: one node, or what its
 * modifiers create (parameterized nodes, extracted fields and columns), with
 * checks and tags where they belong. `source()` bindings are added to `refs`,
 * to be checked once every module is expanded.
 */
export function expandDefinition(d: Definition, config: Readonly<Record<string, unknown>>, refs: SourceReference[]): NodeSpec[] {
  const { meta, module } = d;
  let names = meta.deps;
  let optional = EMPTY_SET;
  if (names) optional = explicitOptionalDeps(meta.fn, names);
  else {
    const params = parseParameters(meta.fn, d.name, { exports: d.exports });
    const list: string[] = (names = []);
    for (const p of params) {
      list.push(p.name);
      if (p.optional) (optional === EMPTY_SET ? (optional = new Set()) : (optional as Set<string>)).add(p.name);
    }
  }
  // a short list: a quadratic scan allocates nothing
  for (let i = 1; i < names.length; i++) if (names.indexOf(names[i]!) < i) throw failure(d, `names dependency "${names[i]}" twice`);
  for (const p of meta.collect) if (!names.includes(p)) throw failure(d, `collects "${p}", but has no parameter of that name (parameters: ${names.join(", ") || "none"})`);
  const checksOn = !(hasOwn(config, DISABLE_CHECKS_CONFIG_KEY) && config[DISABLE_CHECKS_CONFIG_KEY] === true);
  const checks = checksOn && meta.checks ? meta.checks : NO_CHECKS;
  const specs = meta.parameterize
    ? Object.entries(meta.parameterize).map(([name, bindings]) => head(d, names, optional, name, bindings, refs, checks))
    : [head(d, names, optional, d.name, PLAIN, refs, checks)];
  for (const s of specs) if (s.deps.includes(s.name)) throw new GraphError(`Node "${s.name}" (${module}) depends on itself.`);
  const ex = meta.extract;
  if (ex) {
    const base = specs[0]!.name;
    if (meta.parallelizable) throw failure(d, `is parallelizable and extracts ${ex.kind}: extract from a node downstream of it instead`);
    const take = ex.kind === "fields" ? takeField : takeColumn;
    for (const name of ex.names) {
      const modifier = `${ex.kind === "fields" ? "extractFields" : "extractColumns"}(${base}).${name}${ex.fill ? ` fill ${short(ex.fill.value)}` : ""}`;
      specs.push(specOf(d, name, (value: unknown) => take(value, name, base, ex.fill), [base], EMPTY_SET, EMPTY_SET, NO_CHECKS, modifier, {}));
    }
  }
  for (const { target, check } of checksOn ? (meta.targetedChecks ?? []) : []) {
    for (const t of target) {
      const s = specs.find((s) => s.name === t) as { checks: readonly OutputCheck[] } | undefined;
      if (!s) {
        throw new GraphError(`checkOutput in ${module} (export ${d.exportKey}): target "${t}" is no node of this definition (its nodes: ${specs.map((s) => s.name).join(", ")}).`);
      }
      // made above by this call: its own to update (a copy would have another shape)
      s.checks = [...s.checks, check as OutputCheck];
    }
  }
  return specs;
}

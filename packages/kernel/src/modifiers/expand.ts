import { GraphError } from "../errors.js";
import { show, type NodeMeta, type OutputCheck } from "../node/define.js";
import type { NodeSpec } from "../node/from-modules.js";
import { explicitOptionalDeps, parseParameters } from "../node/parse-params.js";
import { bindingKind, type Binding, type SourceBinding, type ValueBinding } from "./binding.js";
import { columnAccessFor } from "./column-access.js";

/** Config key that turns every `checkOutput` off, as in Hamilton. */
export const DISABLE_CHECKS_CONFIG_KEY = "hamilton.data_quality.disable_checks";

/** A `source("name")` binding, checked once every module is expanded. */
export interface SourceReference {
  readonly node: string;
  readonly param: string;
  readonly source: string;
  readonly module: string;
  readonly exportKey: string;
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
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function short(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "bigint" ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

interface Param {
  readonly name: string;
  readonly optional: boolean;
}

function parameters(d: Definition): Param[] {
  const { meta } = d;
  if (meta.deps) {
    const optional = explicitOptionalDeps(meta.fn, meta.deps);
    return meta.deps.map((name) => ({ name, optional: optional.has(name) }));
  }
  return parseParameters(meta.fn, d.name, { exports: d.exports });
}

/** The node that gives the function's own value: `name` with `params` as dependencies, or a parameterized copy. */
interface Head {
  readonly name: string;
  readonly fn: (...args: never[]) => unknown;
  readonly deps: readonly string[];
  readonly optional: ReadonlySet<string>;
  readonly collect: ReadonlySet<string>;
  readonly modifier: string | undefined;
}

function parameterized(d: Definition, params: readonly Param[], name: string, bindings: Readonly<Record<string, Binding>>, refs: SourceReference[]): Head {
  const where = `parameterize in ${d.module} (export ${d.exportKey})`;
  for (const p of Object.keys(bindings)) {
    if (!params.some((q) => q.name === p)) {
      throw new GraphError(
        `${where}: node "${name}" binds parameter "${p}", which the function does not have (parameters: ${params.map((q) => q.name).join(", ") || "none"}).`,
      );
    }
  }
  const deps: string[] = [];
  const required = new Set<string>();
  const seen = new Set<string>();
  const collect = new Set<string>();
  // for each parameter: the index of its dependency, or the constant it is bound to
  const plan: Array<{ dep: number } | { value: unknown }> = [];
  const described: string[] = [];
  for (const p of params) {
    const b = hasOwn(bindings, p.name) ? bindings[p.name] : undefined;
    if (b && bindingKind(b) === "value") {
      if (d.meta.collect.includes(p.name)) {
        throw new GraphError(`${where}: node "${name}" binds collected parameter "${p.name}" to a value; bind it to source("node") or do not collect it.`);
      }
      plan.push({ value: (b as ValueBinding).value });
      described.push(`${p.name}=value(${short((b as ValueBinding).value)})`);
      continue;
    }
    let dep = p.name;
    if (b) {
      const s = b as SourceBinding;
      dep = s.source;
      described.push(`${p.name}=source(${dep})`);
      if (!s.input) refs.push({ node: name, param: p.name, source: dep, module: d.module, exportKey: d.exportKey });
    }
    if (!seen.has(dep)) (seen.add(dep), deps.push(dep));
    if (!p.optional) required.add(dep);
    if (d.meta.collect.includes(p.name)) collect.add(dep);
    plan.push({ dep: deps.indexOf(dep) });
  }
  const user = d.meta.fn as AnyFn;
  const fn = (...values: unknown[]) => user(...plan.map((s) => ("dep" in s ? values[s.dep] : s.value)));
  Object.defineProperty(fn, "name", { value: name });
  return {
    name,
    fn,
    deps,
    optional: new Set(deps.filter((x) => !required.has(x))),
    collect,
    modifier: `parameterize(${described.join(", ")})`,
  };
}

/** Read a field as `extractFields` does: own properties, getters of a class, Map entries; never Object.prototype. */
function missing(what: "Field" | "Column", name: string, base: string, has: readonly string[]): TypeError {
  const fn = what === "Field" ? "extractFields(fields" : "extractColumns(columns";
  return new TypeError(
    `${what} "${name}" is missing from the value of node "${base}" (it has: ${has.slice(0, 10).join(", ") || "nothing"}${has.length > 10 ? ", …" : ""}). ` +
      `Return it from "${base}", or pass ${fn}, fn, { fillWith }).`,
  );
}

function takeField(obj: unknown, field: string, base: string, fill: { value: unknown } | undefined): unknown {
  if (obj instanceof Map) {
    if (obj.has(field)) return obj.get(field);
  } else if ((typeof obj === "object" && obj !== null) || typeof obj === "function") {
    // own properties and getters of a class, never what Object.prototype has (`constructor`)
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
 * checks and tags where they belong. `source()` bindings are returned in
 * `refs`, to be checked once every module is expanded.
 */
export function expandDefinition(d: Definition, config: Readonly<Record<string, unknown>>, refs: SourceReference[]): NodeSpec[] {
  const { meta } = d;
  const params = parameters(d);
  const names = params.map((p) => p.name);
  for (const p of meta.collect) {
    if (!names.includes(p)) {
      throw new GraphError(
        `Node "${d.name}" (${d.module}) collects "${p}", but has no parameter of that name (parameters: ${names.join(", ") || "none"}).`,
      );
    }
  }
  const heads: Head[] = meta.parameterize
    ? Object.entries(meta.parameterize).map(([name, bindings]) => parameterized(d, params, name, bindings, refs))
    : [
        {
          name: d.name,
          fn: meta.fn,
          deps: names,
          optional: params.some((p) => p.optional) ? new Set(params.filter((p) => p.optional).map((p) => p.name)) : EMPTY_SET,
          collect: meta.collect.length > 0 ? new Set(meta.collect) : EMPTY_SET,
          modifier: undefined,
        },
      ];
  const checksOn = config[DISABLE_CHECKS_CONFIG_KEY] !== true || !hasOwn(config, DISABLE_CHECKS_CONFIG_KEY);
  const common = { exportKey: d.exportKey, module: d.module, source: meta.fn, depsDeclared: meta.deps !== undefined, tags: meta.tags };
  const specs: NodeSpec[] = heads.map((h) => {
    const dup = h.deps.find((x, i) => h.deps.indexOf(x) !== i);
    if (dup) throw new GraphError(`Node "${h.name}" (${d.module}) names dependency "${dup}" twice.`);
    if (h.deps.includes(h.name)) throw new GraphError(`Node "${h.name}" (${d.module}) depends on itself.`);
    return {
      ...common,
      name: h.name,
      fn: h.fn,
      deps: h.deps,
      optionalDeps: h.optional,
      collect: h.collect,
      parallelizable: meta.parallelizable,
      retry: meta.retry,
      timeoutMs: meta.timeoutMs,
      cache: meta.cache,
      version: meta.version,
      checks: checksOn ? (meta.checks ?? []) : [],
      modifier: h.modifier,
    };
  });
  const ex = meta.extract;
  if (ex) {
    const head = specs[0]!;
    if (meta.parallelizable) {
      throw new GraphError(`Node "${head.name}" (${d.module}) is parallelizable and extracts ${ex.kind}: extract from a node downstream of it instead.`);
    }
    const take = ex.kind === "fields" ? takeField : takeColumn;
    const label = ex.kind === "fields" ? "extractFields" : "extractColumns";
    for (const name of ex.names) {
      const base = head.name;
      const fill = ex.fill;
      const fn = (value: unknown) => take(value, name, base, fill);
      Object.defineProperty(fn, "name", { value: name });
      specs.push({
        ...common,
        name,
        fn,
        deps: [base],
        optionalDeps: EMPTY_SET,
        collect: EMPTY_SET,
        parallelizable: false,
        retry: undefined,
        timeoutMs: undefined,
        cache: undefined,
        version: meta.version,
        checks: [],
        modifier: `${label}(${base}).${name}${fill ? ` fill ${short(fill.value)}` : ""}`,
      });
    }
  }
  if (meta.targetedChecks && checksOn) {
    const extra = new Map<string, OutputCheck[]>();
    for (const { target, check } of meta.targetedChecks) {
      for (const t of target) {
        if (!specs.some((s) => s.name === t)) {
          throw new GraphError(
            `checkOutput in ${d.module} (export ${d.exportKey}): target "${t}" is no node of this definition (its nodes: ${specs.map((s) => s.name).join(", ")}).`,
          );
        }
        let list = extra.get(t);
        if (!list) extra.set(t, (list = []));
        list.push(check);
      }
    }
    for (let i = 0; i < specs.length; i++) {
      const more = extra.get(specs[i]!.name);
      if (more) specs[i] = { ...specs[i]!, checks: [...specs[i]!.checks, ...more] };
    }
  }
  return specs;
}

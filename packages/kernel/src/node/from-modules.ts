import { GraphError } from "../errors.js";
import { hasOwn } from "../execution/own-record.js";
import { didYouMean } from "../graph/suggest.js";
import type { RetryPolicy } from "../execution/retryer.js";
import { expandDefinition, type SourceReference } from "../modifiers/expand.js";
import { conditionMatches, nodeMetaOf, type CacheBehavior, type OutputCheck } from "./define.js";
import { renameNote } from "./parse-params.js";

/** A pipeline module: its exports, a name for messages and, when known, its location. */
export interface ModuleSource {
  /** Used in error messages: the location, or a description of a namespace object. */
  readonly name: string;
  readonly exports: Readonly<Record<string, unknown>>;
  /** The module's URL (`file:` or other) when it was given as a location. */
  readonly location?: string;
}

/** One node, resolved from a module export under a given config. */
export interface NodeSpec {
  readonly name: string;
  /** The export key it came from (differs from `name` for `name__suffix` variants). */
  readonly exportKey: string;
  readonly module: string;
  readonly fn: (...args: never[]) => unknown;
  /** Dependency names, in parameter order. */
  readonly deps: readonly string[];
  /** Dependencies whose parameter has a default value. */
  readonly optionalDeps: ReadonlySet<string>;
  readonly tags: Readonly<Record<string, string>>;
  readonly collect: ReadonlySet<string>;
  readonly parallelizable: boolean;
  readonly retry: RetryPolicy | undefined;
  readonly timeoutMs: number | undefined;
  readonly cache: CacheBehavior | undefined;
  readonly version: string | undefined;
  /** Checks of the node's value (see `OutputCheck`); empty for most nodes. */
  readonly checks: readonly OutputCheck[];
  /**
   * The function the user wrote: `fn` itself, or for a node made by a
   * modifier the function it wraps (`fn` then adapts its arguments or takes a
   * field). With `modifier`, what a code version (cache) hashes.
   */
  readonly source: (...args: never[]) => unknown;
  /** For nodes made by a modifier, what it adds to `source`, e.g. `parameterize(denom=source(visits), scale=value(100))`. */
  readonly modifier: string | undefined;
  /** Dependencies were given with `node(fn, { deps })`, not read from parameter names. */
  readonly depsDeclared: boolean;
}

interface Candidate {
  readonly spec: NodeSpec;
  readonly moduleIndex: number;
  readonly conditional: boolean;
}

/** Describe a namespace object for messages, e.g. `module #1 (a, b, c, …)`. */
export function describeNamespace(index: number, exports: Readonly<Record<string, unknown>>): string {
  const keys: string[] = [];
  let more = false;
  for (const k in exports) {
    if (k.startsWith("_") || typeof exports[k] !== "function") continue;
    if (keys.length === 3) {
      more = true;
      break;
    }
    keys.push(k);
  }
  const shown = keys.join(", ") + (more ? ", …" : "");
  return `module #${index + 1} (${shown})`;
}

function isClass(value: unknown): boolean {
  return typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));
}

function origin(c: Candidate): string {
  const s = c.spec;
  const how = s.modifier?.split("(")[0] ?? (c.conditional ? "variant" : "parameterize");
  return s.exportKey === s.name ? `export ${s.exportKey}` : `${how} of export ${s.exportKey}`;
}

/**
 * Turn modules into node specs under a config: export key = node name; `_`
 * keys, non-functions and classes skipped (as Hamilton skips them);
 * `configWhen` variants resolved (`name__suffix` → `name`; a node none of whose
 * variants matches is absent, so an input or another module may supply it);
 * modifiers expanded (`parameterize`, `extractFields`, `extractColumns`, checks,
 * tags); dependencies read from parameter names or `node(fn, { deps })`.
 */
export function nodesFromModules(
  modules: readonly ModuleSource[],
  config: Readonly<Record<string, unknown>>,
  options: { allowModuleOverrides?: boolean } = {},
): NodeSpec[] {
  const candidates = new Map<string, Candidate[]>();
  const refs: SourceReference[] = [];
  modules.forEach((mod, moduleIndex) => {
    for (const exportKey of Object.keys(mod.exports)) {
      if (exportKey.startsWith("_") || exportKey === "default") continue;
      const value = mod.exports[exportKey];
      const meta = nodeMetaOf(value);
      if (!meta || (meta.fn === value && isClass(value))) continue;
      const conditional = meta.conditions.length > 0;
      if (conditional && !meta.conditions.every((cond) => conditionMatches(cond, config))) continue;
      const sep = exportKey.indexOf("__");
      const name = conditional && sep > 0 ? exportKey.slice(0, sep) : exportKey;
      for (const spec of expandDefinition({ name, exportKey, module: mod.name, meta, exports: mod.exports }, config, refs)) {
        let list = candidates.get(spec.name);
        if (!list) candidates.set(spec.name, (list = []));
        list.push({ spec, moduleIndex, conditional });
      }
    }
  });

  const specs: NodeSpec[] = [];
  for (const [name, list] of candidates) {
    let chosen = list[0]!;
    if (list.length > 1) {
      const b = list.find((c, i) => list.some((o, j) => j < i && o.moduleIndex === c.moduleIndex));
      if (b) {
        const a = list.find((o) => o.moduleIndex === b.moduleIndex)!;
        throw new GraphError(
          a.conditional && b.conditional
            ? `Several variants of node "${name}" match the config ${JSON.stringify(config)}: ` +
                `${list.map((c) => `${c.spec.exportKey} in ${c.spec.module}`).join(", ")}. Exactly one must match.`
            : `Node "${name}" is created twice in ${a.spec.module}: by ${origin(a)} and by ${origin(b)}. Rename one of them.`,
        );
      }
      if (options.allowModuleOverrides) {
        chosen = list[list.length - 1]!; // later modules override earlier ones
      } else if (list.every((c) => !c.conditional)) {
        throw new GraphError(
          `Node "${name}" is defined in two modules: ${list.map((c) => `${c.spec.module} (${origin(c)})`).join(" and ")}. ` +
            `Rename one, or call allowModuleOverrides() on the Builder to let the later module win.`,
        );
      } else {
        throw new GraphError(
          `Several variants of node "${name}" match the config ${JSON.stringify(config)}: ` +
            `${list.map((c) => `${c.spec.exportKey} in ${c.spec.module}`).join(", ")}. Exactly one must match.`,
        );
      }
    }
    specs.push(chosen.spec);
  }
  for (const r of refs) {
    if (candidates.has(r.source) || hasOwn(config, r.source)) continue;
    const hint = didYouMean(r.source, candidates.keys());
    throw new GraphError(
      `${r.where}: node "${r.node}" binds parameter "${r.param}" to source("${r.source}"), ` +
        `but no module defines a node "${r.source}" and the config has no such key${hint ? ` (${hint})` : ""}. Fix the name, define the node, ` +
        `or write source("${r.source}", { input: true }) for an input given to execute().`,
    );
  }
  return specs;
}

/**
 * Why an input a node needs may be missing although the user thinks they gave
 * it: its parameter was renamed by a minifier or compiler. For the planner's
 * missing-input error; undefined when nothing points to a rename.
 */
export function missingInputNote(spec: NodeSpec, input: string): string | undefined {
  if (spec.depsDeclared || spec.modifier?.startsWith("extract")) return undefined;
  const note = renameNote(spec.source, input);
  return note && `node "${spec.name}": ${note}`;
}

import { GraphError } from "../errors.js";
import type { RetryPolicy } from "../execution/retryer.js";
import { conditionMatches, describeCondition, nodeMetaOf, type CacheBehavior, type NodeMeta, type OutputCheck } from "./define.js";
import { parseParameters } from "./parse-params.js";

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
}

const EMPTY_SET: ReadonlySet<string> = new Set<string>();

interface Candidate {
  readonly exportKey: string;
  readonly module: string;
  readonly moduleIndex: number;
  readonly meta: NodeMeta;
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

/**
 * Turn modules into node specs under a config: export key = node name, `_` keys
 * and non-functions skipped, `configWhen` variants resolved (`name__suffix` →
 * `name`), dependencies read from parameter names or `node(fn, { deps })`.
 */
export function nodesFromModules(
  modules: readonly ModuleSource[],
  config: Readonly<Record<string, unknown>>,
  options: { allowModuleOverrides?: boolean } = {},
): NodeSpec[] {
  const candidates = new Map<string, Candidate[]>();
  modules.forEach((mod, moduleIndex) => {
    for (const exportKey of Object.keys(mod.exports)) {
      if (exportKey.startsWith("_") || exportKey === "default") continue;
      const meta = nodeMetaOf(mod.exports[exportKey]);
      if (!meta) continue;
      const sep = exportKey.indexOf("__");
      const name = meta.conditions.length > 0 && sep > 0 ? exportKey.slice(0, sep) : exportKey;
      let list = candidates.get(name);
      if (!list) candidates.set(name, (list = []));
      list.push({ exportKey, module: mod.name, moduleIndex, meta });
    }
  });

  const specs: NodeSpec[] = [];
  for (const [name, list] of candidates) {
    const matching = list.filter((c) => c.meta.conditions.every((cond) => conditionMatches(cond, config)));
    if (matching.length === 0) {
      const variants = list.map((c) => `${c.exportKey} (when ${c.meta.conditions.map(describeCondition).join(" and ")})`);
      throw new GraphError(
        `No variant of node "${name}" matches the config ${JSON.stringify(config)}: ${variants.join("; ")}. ` +
          `Set the config so exactly one matches, or add a variant for this config.`,
      );
    }
    let chosen = matching[0]!;
    if (matching.length > 1) {
      const modulesInvolved = new Set(matching.map((c) => c.moduleIndex));
      if (options.allowModuleOverrides && modulesInvolved.size === matching.length) {
        chosen = matching[matching.length - 1]!; // later modules override earlier ones
      } else if (modulesInvolved.size > 1 && matching.every((c) => c.meta.conditions.length === 0)) {
        throw new GraphError(
          `Node "${name}" is defined in two modules: ${matching.map((c) => `${c.module} (export ${c.exportKey})`).join(" and ")}. ` +
            `Rename one, or call allowModuleOverrides() on the Builder to let the later module win.`,
        );
      } else {
        throw new GraphError(
          `Several variants of node "${name}" match the config ${JSON.stringify(config)}: ` +
            `${matching.map((c) => `${c.exportKey} in ${c.module}`).join(", ")}. Exactly one must match.`,
        );
      }
    }
    specs.push(toSpec(name, chosen, modules[chosen.moduleIndex]!.exports));
  }
  return specs;
}

/**
 * esbuild (inside tsx, tsup, vite…) renames a parameter that shadows a top-level
 * binding of its module: `export function b(a)` next to `export function a`
 * compiles to `function b(a2)`. Parameter names are the graph's edges, so such a
 * name maps back to the exported function it shadowed, unless the module also
 * exports the renamed name itself.
 */
function undoShadowRename(param: string, exports: Readonly<Record<string, unknown>>): string {
  if (Object.prototype.hasOwnProperty.call(exports, param)) return param;
  for (let i = param.length - 1; i > 0 && param.charCodeAt(i) >= 48 && param.charCodeAt(i) <= 57; i--) {
    const base = param.slice(0, i);
    if (typeof exports[base] === "function") return base;
  }
  return param;
}

function toSpec(name: string, c: Candidate, exports: Readonly<Record<string, unknown>>): NodeSpec {
  const { meta } = c;
  let deps: string[];
  let optionalDeps: ReadonlySet<string>;
  if (meta.deps) {
    deps = [...meta.deps];
    // with explicit deps, parameters beyond fn.length are the ones with defaults
    optionalDeps = deps.length > meta.fn.length ? new Set(deps.slice(meta.fn.length)) : EMPTY_SET;
  } else {
    const params = parseParameters(meta.fn, name).map((p) => ({ ...p, name: undoShadowRename(p.name, exports) }));
    deps = params.map((p) => p.name);
    optionalDeps = params.some((p) => p.optional) ? new Set(params.filter((p) => p.optional).map((p) => p.name)) : EMPTY_SET;
  }
  const dup = deps.find((d, i) => deps.indexOf(d) !== i);
  if (dup) throw new GraphError(`Node "${name}" (${c.module}) names dependency "${dup}" twice.`);
  if (deps.includes(name)) throw new GraphError(`Node "${name}" (${c.module}) depends on itself.`);
  for (const p of meta.collect) {
    if (!deps.includes(p)) {
      throw new GraphError(
        `Node "${name}" (${c.module}) collects "${p}", but has no parameter of that name (parameters: ${deps.join(", ") || "none"}).`,
      );
    }
  }
  return {
    name,
    exportKey: c.exportKey,
    module: c.module,
    fn: meta.fn,
    deps,
    optionalDeps,
    tags: meta.tags,
    collect: meta.collect.length > 0 ? new Set(meta.collect) : EMPTY_SET,
    parallelizable: meta.parallelizable,
    retry: meta.retry,
    timeoutMs: meta.timeoutMs,
    cache: meta.cache,
    version: meta.version,
    checks: meta.checks ?? [],
  };
}

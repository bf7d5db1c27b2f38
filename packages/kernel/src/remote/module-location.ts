import { GraphError } from "../errors.js";
import { describeNamespace, type ModuleSource } from "../node/from-modules.js";

/** A module given by location: a path (absolute or relative to the working directory), a URL, or a package specifier. */
export type ModuleLocation = string | URL;

/** A module given as an `import * as ns` namespace object. */
export type ModuleNamespace = Readonly<Record<string, unknown>>;

function cwd(): string | undefined {
  const proc = (globalThis as { process?: { cwd?: () => string } }).process;
  return typeof proc?.cwd === "function" ? proc.cwd() : undefined;
}

function pathToFileUrl(path: string): string {
  const normalised = path.replace(/\\/g, "/");
  const withRoot = /^[A-Za-z]:\//.test(normalised) ? `/${normalised}` : normalised;
  return "file://" + encodeURI(withRoot).replace(/\?/g, "%3F").replace(/#/g, "%23");
}

/**
 * Normalise a module location to the URL string a worker imports. Relative paths
 * resolve against the current working directory (so workers resolve them the same
 * way); bare package specifiers are kept as they are.
 */
export function toModuleUrl(location: ModuleLocation): string {
  if (location instanceof URL) return location.href;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location) && !/^[A-Za-z]:[\\/]/.test(location)) return location; // file:, data:, https:
  if (location.startsWith("/") || /^[A-Za-z]:[\\/]/.test(location)) return pathToFileUrl(location);
  if (location.startsWith("./") || location.startsWith("../") || location.startsWith(".\\") || location.startsWith("..\\")) {
    const base = cwd();
    if (base === undefined) throw new GraphError(`Cannot resolve the relative module path "${location}" here; pass a URL instead.`);
    return new URL(location.replace(/\\/g, "/"), pathToFileUrl(base.endsWith("/") ? base : base + "/")).href;
  }
  return location; // a package specifier
}

/** Import modules by location and describe them for the graph. */
export async function loadModules(locations: readonly ModuleLocation[]): Promise<ModuleSource[]> {
  return Promise.all(
    locations.map(async (loc) => {
      const url = toModuleUrl(loc);
      let exports: ModuleNamespace;
      try {
        exports = (await import(/* @vite-ignore */ url)) as ModuleNamespace;
      } catch (cause) {
        throw new GraphError(`Cannot import module "${String(loc)}" (${url}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      }
      return { name: url, exports, location: url };
    }),
  );
}

/** Describe namespace objects (no location) for the graph. */
export function namespaceSources(namespaces: readonly ModuleNamespace[], offset = 0): ModuleSource[] {
  return namespaces.map((exports, i) => ({ name: describeNamespace(offset + i, exports), exports }));
}

/** Message for a module given as a namespace object to an executor that needs locations. */
export function locationRequiredError(module: ModuleSource): GraphError {
  return new GraphError(
    `The executor runs tasks in other threads, processes or machines, which import pipeline modules by location, ` +
      `but ${module.name} was given as a namespace object. Pass its location instead: ` +
      `.withModules(new URL("./pipeline.js", import.meta.url)) or .withModules("/abs/path/pipeline.js").`,
  );
}

import { toModuleUrl, type ModuleLocation } from "./module-location.js";

/** Imports a module by specifier (codec modules register their codecs when imported). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

interface FsLike {
  existsSync(path: URL): boolean;
  readFileSync(path: URL, encoding: "utf8"): string;
}

/** Node's `fs`, without a static `node:` import (the kernel also runs in browsers); undefined elsewhere and before Node 20.16. */
function nodeFs(): FsLike | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.("node:fs") as FsLike | undefined;
  } catch {
    return undefined;
  }
}

// The conditions Node's ESM loader matches for `import`, in its order of preference.
const CONDITIONS = new Set(["node", "import", "default"]);

type ExportsTarget = string | null | readonly ExportsTarget[] | { readonly [key: string]: ExportsTarget };

function pickTarget(target: ExportsTarget | undefined): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickTarget(t);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }
  if (typeof target === "object" && target !== null) {
    for (const key of Object.keys(target)) {
      if (CONDITIONS.has(key)) {
        const picked = pickTarget((target as Record<string, ExportsTarget>)[key]);
        if (picked !== undefined) return picked;
      }
    }
  }
  return undefined;
}

/** The file a package's `exports` (or `main`) names for `subpath` (`"."` or `"./x"`), as Node's ESM loader would pick it. */
function entryOf(pkg: { exports?: ExportsTarget; main?: string }, subpath: string): string | undefined {
  const exp = pkg.exports;
  if (exp === undefined || exp === null) {
    if (subpath !== ".") return subpath;
    return typeof pkg.main === "string" ? pkg.main : "./index.js";
  }
  const isSubpathMap = typeof exp === "object" && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith("."));
  const map: Record<string, ExportsTarget> = isSubpathMap ? (exp as Record<string, ExportsTarget>) : { ".": exp };
  if (Object.prototype.hasOwnProperty.call(map, subpath)) return pickTarget(map[subpath]);
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      const picked = pickTarget(map[key]);
      return picked?.split("*").join(subpath.slice(prefix.length, subpath.length - suffix.length));
    }
  }
  return undefined;
}

/** Split a bare specifier into its package name and subpath: `@a/b/c` → `@a/b`, `./c`. */
function splitSpecifier(specifier: string): readonly [string, string] | undefined {
  const parts = specifier.split("/");
  const nameParts = specifier.startsWith("@") ? 2 : 1;
  if (parts.length < nameParts || parts.slice(0, nameParts).some((p) => p === "" || p === "." || p === "..")) return undefined;
  const rest = parts.slice(nameParts).join("/");
  return [parts.slice(0, nameParts).join("/"), rest ? `./${rest}` : "."];
}

function isBare(specifier: string): boolean {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("\\")) return false;
  return !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(specifier);
}

/**
 * Resolve a bare specifier as if imported from a module in `dir` (a directory
 * URL ending in `/`): the `node_modules` folders from there up, then the
 * package's `exports` with Node's `import` conditions. Undefined when no
 * folder holds the package.
 */
function resolveFrom(fs: FsLike, name: string, subpath: string, dir: URL): string | undefined {
  for (let at = dir; ; ) {
    const pkgUrl = new URL(`node_modules/${name}/package.json`, at);
    if (fs.existsSync(pkgUrl)) {
      let pkg: { exports?: ExportsTarget; main?: string };
      try {
        pkg = JSON.parse(fs.readFileSync(pkgUrl, "utf8")) as typeof pkg;
      } catch {
        return undefined;
      }
      const entry = entryOf(pkg, subpath);
      return entry === undefined ? undefined : new URL(entry, pkgUrl).href;
    }
    const up = new URL("../", at);
    if (up.href === at.href) return undefined;
    at = up;
  }
}

function directoryOf(location: string): URL | undefined {
  try {
    const url = new URL(location);
    return url.protocol === "file:" ? new URL("./", url) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An importer that resolves a specifier from where the pipeline lives: from the
 * folders of `locations` (the pipeline modules; `file:` URLs or paths) and then
 * the working directory, as Node would for an `import` written in one of
 * them, falling back to the kernel's own resolution. Under pnpm a plugin such
 * as `@hamilton-ts/results-arrow` is a dependency of the app, not of the
 * kernel, so `import()` from the kernel alone cannot find it. This is every
 * TaskRunner's default importer.
 *
 * @example
 * const importModule = importerNear([new URL("./pipeline.js", import.meta.url)]);
 * await importModule("@hamilton-ts/results-arrow");
 */
export function importerNear(locations: readonly ModuleLocation[]): ModuleImporter {
  const dirs: URL[] = [];
  for (const loc of locations) {
    let url: string;
    try {
      url = toModuleUrl(loc);
    } catch {
      continue;
    }
    const dir = directoryOf(url);
    if (dir && !dirs.some((d) => d.href === dir.href)) dirs.push(dir);
  }
  const proc = (globalThis as { process?: { cwd?: () => string } }).process;
  if (typeof proc?.cwd === "function") {
    const cwd = directoryOf(toModuleUrl(proc.cwd().replace(/[\\/]?$/, "/")));
    if (cwd && !dirs.some((d) => d.href === cwd.href)) dirs.push(cwd);
  }
  return async (specifier) => {
    const fs = isBare(specifier) ? nodeFs() : undefined;
    const split = fs ? splitSpecifier(specifier) : undefined;
    if (fs && split) {
      for (const dir of dirs) {
        const url = resolveFrom(fs, split[0], split[1], dir);
        if (url !== undefined) return import(/* @vite-ignore */ url);
      }
    }
    return import(/* @vite-ignore */ isBare(specifier) ? specifier : toModuleUrl(specifier));
  };
}

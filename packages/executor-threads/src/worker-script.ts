import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as threads from "node:worker_threads";

let cachedUrl: URL | undefined;

/**
 * The built worker script, next to this file in `dist/` (or `../dist/` when this
 * file runs from source, as in the package's own tests).
 */
export function workerScriptUrl(): URL {
  if (cachedUrl) return cachedUrl;
  const here = import.meta.url;
  const candidates = [new URL("./worker.js", here), new URL("../dist/worker.js", here)];
  const found = candidates.find((u) => existsSync(fileURLToPath(u)));
  if (!found) {
    throw new Error(
      `@hamilton-ts/executor-threads: cannot find its worker script (looked for ${candidates.map((u) => fileURLToPath(u)).join(", ")}). ` +
        `Build the package (npx tsup) before using it from source.`,
    );
  }
  return (cachedUrl = found);
}

let cachedLoader: string | undefined | null = null;

/**
 * On Node versions before `worker_threads.isInternalThread` existed (Node 20),
 * tsx registers its loader in the main thread only, so a worker could not import
 * `.ts` modules even though it inherits `--import tsx`. When the parent runs
 * under tsx there, return tsx's ESM API for each worker to `register()` first.
 */
export function loaderToRegister(): string | undefined {
  if (cachedLoader !== null) return cachedLoader;
  cachedLoader = undefined;
  if ("isInternalThread" in threads) return undefined;
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ""];
  if (!flags.some((f) => /\btsx\b/.test(f))) return undefined;
  const roots: string[] = [];
  for (const f of flags) {
    const m = /^(?:file:\/\/)?(.*[\\/]tsx)[\\/]dist[\\/]/.exec(f);
    if (m) roots.push(m[1]!.startsWith("/") || /^[A-Za-z]:/.test(m[1]!) ? m[1]! : fileURLToPath(`file://${m[1]}`));
  }
  try {
    roots.push(dirname(createRequire(join(process.cwd(), "noop.js")).resolve("tsx/package.json")));
  } catch {
    // not resolvable from the working directory; the execArgv path may still do
  }
  for (const root of roots) {
    try {
      const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports?: Record<string, unknown> };
      const entry = pkg.exports?.["./esm/api"] as string | { import?: string | { default?: string } } | undefined;
      const rel = typeof entry === "string" ? entry : typeof entry?.import === "string" ? entry.import : entry?.import?.default;
      if (rel) return (cachedLoader = pathToFileURL(join(root, rel)).href);
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "./args.js";

/**
 * Module arguments as the Builder takes them: existing files as absolute paths
 * (so workers resolve them the same way wherever they start), `file:` URLs and
 * package specifiers as given.
 */
export function resolveModules(args: readonly string[]): string[] {
  if (args.length === 0) throw new UsageError("no pipeline module given: pass one or more paths, e.g. ./pipeline.js");
  return args.map((m) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(m) && !/^[a-z]:[\\/]/i.test(m)) return m;
    const abs = resolve(m);
    if (existsSync(abs)) return abs;
    const looksLikePath = m.startsWith(".") || m.startsWith("/") || /\.[cm]?[jt]sx?$/.test(m);
    if (looksLikePath) throw new UsageError(`module not found: ${m}`);
    return m; // a package specifier
  });
}

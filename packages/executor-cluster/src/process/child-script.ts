import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

declare const __filename: string | undefined;

/** This file's URL, in the ESM build, the CJS build and the TypeScript source alike. */
function here(): string {
  return typeof __filename === "string" ? pathToFileURL(__filename).href : import.meta.url;
}

/** The script a child process runs, and the extra Node flags it needs. */
export interface ChildScript {
  readonly path: string;
  readonly execArgv: readonly string[];
}

/**
 * Find the child entry script. Built, this code lives in `dist/index.{js,cjs}`
 * and the script in `dist/process/child.js`; run from source (tests), it is
 * `src/process/child-main.ts`, started with the `tsx` loader.
 */
export function resolveChildScript(): ChildScript {
  const base = here();
  const built = fileURLToPath(new URL("./process/child.js", base));
  if (!/\.[cm]?ts$/.test(fileURLToPath(base)) && existsSync(built)) return { path: built, execArgv: [] };
  const source = fileURLToPath(new URL("./child-main.ts", base));
  if (existsSync(source)) {
    let tsx = "tsx";
    try {
      tsx = pathToFileURL(createRequire(base).resolve("tsx")).href;
    } catch {
      // let Node resolve `tsx` from the working directory
    }
    return { path: source, execArgv: ["--import", tsx] };
  }
  throw new Error(
    `@hamilton-ts/executor-cluster: cannot find the child process script (looked for ${built} and ${source}). Reinstall the package or rebuild it with \`tsup\`.`,
  );
}

const DEBUGGER_FLAG = /^--(inspect|inspect-brk|inspect-port|inspect-publish-uid|debug-port)(=|$)/;

/**
 * Node flags for a child: the parent's own (`--import tsx`, `--conditions`,
 * `--expose-gc`, ...) so TypeScript pipelines and custom resolution work the
 * same in children, minus debugger flags (a child would fight over the port),
 * plus the script's and the user's.
 */
export function childExecArgv(parent: readonly string[], script: ChildScript, extra: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i]!;
    if (DEBUGGER_FLAG.test(flag)) {
      if (/^--(inspect-port|debug-port)$/.test(flag)) i++; // the port follows as its own argument
      continue;
    }
    out.push(flag);
  }
  const hasLoader = script.execArgv.length === 0 || out.some((f, i) => (f === "--import" || f === "--loader") && /tsx/.test(out[i + 1] ?? "")) ||
    out.some((f) => /^--(import|loader)=.*tsx/.test(f));
  if (!hasLoader) out.push(...script.execArgv);
  out.push(...extra);
  return out;
}

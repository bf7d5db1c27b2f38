import { spawn } from "node:child_process";
import { UsageError } from "./args.js";

const TS_MODULE = /\.(?:m|c)?tsx?$/i;

/** Whether any module is TypeScript. */
export function hasTypeScript(modules: readonly string[]): boolean {
  return modules.some((m) => TS_MODULE.test(m));
}

/** Whether this process already runs with tsx (or another TypeScript loader we started). */
export function typeScriptLoaded(): boolean {
  if (process.env.HAMILTON_TS_TSX === "1") return true;
  return process.execArgv.some((a) => /(^|[\\/=@])tsx([\\/]|$)|tsx[\\/]dist/.test(a));
}

/**
 * Run this same command again in a Node started with `--import tsx`, so the
 * pipeline's `.ts` modules load here and in every worker thread or child
 * process (they inherit `execArgv`). Resolves with the child's exit code.
 */
export function reexecWithTsx(argv: readonly string[]): Promise<number> {
  let loader: string;
  try {
    loader = import.meta.resolve("tsx");
  } catch (error) {
    throw new UsageError("TypeScript modules need tsx, which is not installed (npm install tsx), or compile them to .js first", { cause: error });
  }
  const child = spawn(process.execPath, [...process.execArgv, "--import", loader, process.argv[1]!, ...argv], {
    stdio: "inherit",
    env: { ...process.env, HAMILTON_TS_TSX: "1" },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(code ?? (signal === "SIGINT" ? 130 : 1));
    });
    child.on("error", () => resolve(1));
  });
}

import { readFileSync } from "node:fs";
import { GraphError, HamiltonError, InputValidationError, NodeExecutionError } from "@hamilton-ts/kernel";
import { UsageError } from "./args.js";
import { runCommand } from "./commands/run.js";
import { vizCommand } from "./commands/viz.js";
import { workerCommand, workerModules } from "./commands/worker.js";
import { HELP } from "./help.js";
import { hasTypeScript, reexecWithTsx, typeScriptLoaded } from "./typescript.js";

/** Streams the command writes to (the process's own by default). */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

const COMMANDS = { run: runCommand, viz: vizCommand, worker: workerCommand } as const;

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The positional module arguments, found without importing anything. */
function moduleArgs(command: string, argv: readonly string[]): string[] {
  if (command === "worker") return workerModules(argv);
  return argv.filter((a) => !a.startsWith("-") && /\.[cm]?tsx?$/i.test(a));
}

/**
 * Run the `hamilton-ts` command line and return its exit code: 0 ok, 1 a node
 * failed, 2 bad usage (flag, module, input, output), 130 interrupted.
 */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const verbose = argv.includes("--verbose");
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      io.stdout.write(HELP.main);
      return command === undefined ? 2 : 0;
    }
    if (command === "--version" || command === "-v") {
      io.stdout.write(version() + "\n");
      return 0;
    }
    const run = COMMANDS[command as keyof typeof COMMANDS];
    if (!run) throw new UsageError(`unknown command "${command}": use run, viz or worker (see hamilton-ts --help)`);
    if (hasTypeScript(moduleArgs(command, rest)) && !typeScriptLoaded() && !rest.includes("--help") && !rest.includes("-h")) {
      return await reexecWithTsx(argv);
    }
    return await run(rest, io);
  } catch (error) {
    return report(error, verbose, io.stderr);
  }
}

function firstLine(text: string): string {
  return text.split("\n").find((l) => l.trim() !== "")?.trim() ?? text;
}

/** One clear line on stderr (the stack too with --verbose); returns the exit code. */
export function report(error: unknown, verbose: boolean, stderr: NodeJS.WritableStream): number {
  let code = 1;
  let message: string;
  if (error instanceof UsageError) {
    code = 2;
    message = error.message;
  } else if (InputValidationError.isInstance(error)) {
    code = 2;
    // the kernel's advice speaks of execute(); on the command line, inputs are flags
    message = error.hint
      ? error.message.replace(error.hint, "pass --input name=value, --inputs file.json or --config name=value")
      : error.message;
  } else if (GraphError.isInstance(error)) {
    code = 2;
    message = error.message;
  } else if (NodeExecutionError.isInstance(error)) {
    message = error.message;
  } else if ((error as { name?: string })?.name === "AbortError") {
    code = 130;
    message = "interrupted";
  } else if (HamiltonError.isInstance(error) || error instanceof Error) {
    message = `${error.name}: ${error.message}`;
  } else {
    message = String(error);
  }
  stderr.write(`hamilton-ts: error: ${firstLine(message)}\n`);
  if (verbose) {
    let e: unknown = error;
    let depth = 0;
    while (e instanceof Error && depth++ < 5) {
      stderr.write(`${depth > 1 ? "caused by: " : ""}${e.stack ?? e.message}\n`);
      e = e.cause;
    }
  } else if (code === 1) {
    stderr.write("hamilton-ts: run again with --verbose for the stack trace\n");
  }
  return code;
}



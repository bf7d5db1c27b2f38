import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, extname } from "node:path";
import { Builder, InputValidationError, type Driver } from "@hamilton-ts/kernel";
import { parseChoice, parseFlags, parseList, UsageError } from "../args.js";
import { HELP } from "../help.js";
import { resolveModules } from "../modules.js";
import { renderDot } from "../render-dot.js";
import { dataFlags } from "./run.js";

const OPTIONS = {
  outputs: { type: "string", short: "O", multiple: true },
  format: { type: "string", short: "f" },
  out: { type: "string", short: "o" },
  inputs: { type: "string" },
  input: { type: "string", short: "i", multiple: true },
  config: { type: "string", short: "c", multiple: true },
  override: { type: "string", multiple: true },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const FORMATS = ["dot", "svg", "png"] as const;

/** The DOT text `viz` draws: the whole graph, or the execution path of `outputs`. */
export function graphDot(dr: Driver, outputs: readonly string[], data: { inputs: Record<string, unknown>; overrides: Record<string, unknown> }): string {
  if (outputs.length === 0) return dr.displayAllFunctions();
  try {
    return dr.visualizeExecution(outputs, data);
  } catch (error) {
    // drawing needs no input values: mark the missing ones as given and draw anyway
    if (InputValidationError.isInstance(error) && error.unknownOutputs.length === 0 && error.missingInputs.length > 0) {
      const inputs = { ...data.inputs, ...Object.fromEntries(error.missingInputs.map((m) => [m, null])) };
      return dr.visualizeExecution(outputs, { ...data, inputs });
    }
    throw error;
  }
}

/** `hamilton-ts viz`: DOT, SVG or PNG of the graph. */
export async function vizCommand(argv: readonly string[], io: { stdout: NodeJS.WritableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream }): Promise<number> {
  const { values, positionals } = parseFlags("viz", argv, OPTIONS);
  if (values.help) {
    io.stdout.write(HELP.viz);
    return 0;
  }
  const fromExt = values.out ? extname(values.out).slice(1).toLowerCase() : undefined;
  const format = parseChoice("--format", values.format ?? ((FORMATS as readonly string[]).includes(fromExt ?? "") ? fromExt : undefined), FORMATS, "dot");
  const modules = resolveModules(positionals);
  const { inputs, config, overrides } = dataFlags(values);
  const outputs = parseList(values.outputs);
  if (format === "png" && !values.out && (io.stdout as { isTTY?: boolean }).isTTY) {
    throw new UsageError("PNG is binary: write it to a file with -o graph.png (or pipe stdout)");
  }
  const dr = await new Builder().withModules(...modules).withConfig(config).build();
  const dot = graphDot(dr, outputs, { inputs, overrides });
  const data: string | Uint8Array = format === "dot" ? dot : await renderDot(dot, format);
  if (values.out) {
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, data);
    io.stderr.write(`wrote ${values.out}\n`);
  } else {
    io.stdout.write(data);
  }
  return 0;
}

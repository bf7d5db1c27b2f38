import { Builder, SynchronousLocalTaskExecutor, type Driver } from "@hamilton-ts/kernel";
import { parseChoice, parseFlags, parseList, parsePairs, parsePositiveInt, readJsonObject, UsageError } from "../args.js";
import { HELP } from "../help.js";
import { resolveModules } from "../modules.js";
import { formatResult, writeResult } from "../output.js";
import { buildResult, createExecutor, EXECUTORS, loadResultPlugin, RESULTS } from "../plugins.js";
import { ProgressAdapter } from "../progress/progress-adapter.js";

const OPTIONS = {
  outputs: { type: "string", short: "O", multiple: true },
  inputs: { type: "string" },
  input: { type: "string", short: "i", multiple: true },
  config: { type: "string", short: "c", multiple: true },
  override: { type: "string", multiple: true },
  executor: { type: "string", short: "e" },
  "max-tasks": { type: "string", short: "j" },
  redis: { type: "string" },
  queue: { type: "string" },
  result: { type: "string", short: "r" },
  out: { type: "string", short: "o" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Inputs, config and overrides from the shared flags. */
export function dataFlags(values: {
  inputs?: string;
  input?: string[];
  config?: string[];
  override?: string[];
}): { inputs: Record<string, unknown>; config: Record<string, unknown>; overrides: Record<string, unknown> } {
  const inputs = { ...(values.inputs ? readJsonObject("--inputs", values.inputs) : {}), ...parsePairs("--input", values.input) };
  return { inputs, config: parsePairs("--config", values.config), overrides: parsePairs("--override", values.override) };
}

/** `hamilton-ts run`: build, validate, execute, print and write. */
export async function runCommand(argv: readonly string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream & { isTTY?: boolean } }): Promise<number> {
  const { values, positionals } = parseFlags("run", argv, OPTIONS);
  if (values.help) {
    io.stdout.write(HELP.run);
    return 0;
  }
  const outputs = parseList(values.outputs);
  if (outputs.length === 0) throw new UsageError("no outputs: pass --outputs a,b with the nodes to compute (see hamilton-ts run --help)");
  const modules = resolveModules(positionals);
  const { inputs, config, overrides } = dataFlags(values);
  const executorKind = parseChoice("--executor", values.executor, EXECUTORS, "concurrent");
  const resultKind = parseChoice("--result", values.result, RESULTS, "dict");
  const maxTasks = parsePositiveInt("--max-tasks", values["max-tasks"]);
  if (values.out && !/\.(json|csv|arrow)$/i.test(values.out)) throw new UsageError(`--out: unknown file type for "${values.out}"; use .json, .csv or .arrow`);

  if (resultKind !== "dict") await loadResultPlugin(resultKind); // fail before running, not after
  if (values.out?.toLowerCase().endsWith(".arrow")) await loadResultPlugin("arrow");
  const executor = await createExecutor(executorKind, { maxTasks, redis: values.redis, queue: values.queue });
  const progress = values.quiet ? undefined : new ProgressAdapter({ stream: io.stderr });
  const builder = new Builder()
    .withModules(...modules)
    .withConfig(config)
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withLocalExecutor(new SynchronousLocalTaskExecutor())
    .withRemoteExecutor(executor);
  if (progress) builder.withAdapters(progress);
  let dr: Driver;
  try {
    dr = await builder.build();
  } catch (error) {
    await closeQuietly(executor);
    throw error;
  }

  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted"));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    dr.validateExecution(outputs, { inputs, overrides });
    const raw = await dr.rawExecute(outputs, { inputs, overrides, signal: abort.signal });
    const result = await buildResult(resultKind, raw);
    io.stdout.write(formatResult(result) + "\n");
    if (values.out) {
      await writeResult(values.out, result, raw);
      if (!values.quiet) io.stderr.write(`wrote ${values.out}\n`);
    }
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await dr.close();
  }
}

async function closeQuietly(executor: { finalize(): unknown; close?(): unknown }): Promise<void> {
  try {
    await executor.finalize();
    await executor.close?.();
  } catch {
    // the build already failed; that is the error to report
  }
}

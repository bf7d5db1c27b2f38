import { Builder, SynchronousLocalTaskExecutor, type Driver } from "@hamilton-ts/kernel";
import { parseChoice, parseFlags, parseList, parsePairs, parsePositiveInt, readJsonObject, UsageError } from "../args.js";
import { HELP } from "../help.js";
import { resolveModules } from "../modules.js";
import { formatResult, writeResult } from "../output.js";
import type { CacheStore } from "@hamilton-ts/kernel/contracts";
import { buildResult, createExecutor, EXECUTORS, importPlugin, loadResultPlugin, pluginExport, RESULTS } from "../plugins.js";
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
  cache: { type: "string" },
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
  const { values, positionals } = parseFlags("run", cacheFlag(argv), OPTIONS);
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
  const cacheDir = values.cache;
  const store = cacheDir === undefined ? undefined : await loadCacheStore(cacheDir);
  const executor = await createExecutor(executorKind, { maxTasks, redis: values.redis, queue: values.queue });
  const progress = values.quiet ? undefined : new ProgressAdapter({ stream: io.stderr });
  const builder = new Builder()
    .withModules(...modules)
    .withConfig(config)
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withLocalExecutor(new SynchronousLocalTaskExecutor())
    .withRemoteExecutor(executor);
  if (progress) builder.withAdapters(progress);
  if (store) builder.withCache({ store });
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
    // after a failure too: how much of the run is stored for the next one
    if (cacheDir !== undefined && !values.quiet && dr.cache.lastRunId !== undefined) io.stderr.write(cacheSummary(dr, cacheDir) + "\n");
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await dr.close();
  }
}

/** The default folder of `--cache` given without one. */
export const DEFAULT_CACHE_DIR = ".hamilton-cache";

/**
 * `--cache` takes an optional folder: `--cache`, `--cache dir`, `--cache=dir`.
 * A following flag or module file is not a folder, so `--cache` alone before
 * one means the default.
 */
export function cacheFlag(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (a !== "--cache") {
      out.push(a);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith("-") && !/\.(?:[cm]?[jt]s|tsx|jsx)$/i.test(next)) {
      out.push(`--cache=${next}`);
      i++;
    } else out.push(`--cache=${DEFAULT_CACHE_DIR}`);
  }
  return out;
}

/** A `FileCacheStore` over `dir`, from `@hamilton-ts/cache` (loaded only for `--cache`). */
async function loadCacheStore(dir: string): Promise<CacheStore> {
  if (dir === "") throw new UsageError("--cache: the folder is empty; give a folder, or --cache alone for .hamilton-cache");
  const spec = "@hamilton-ts/cache";
  const mod = await importPlugin(spec, "--cache");
  const FileCacheStore = pluginExport<new (path: string) => CacheStore>(mod, "FileCacheStore", spec, "--cache");
  return new FileCacheStore(dir);
}

/** One line: what the cache did in the last run. */
export function cacheSummary(dr: Driver, dir: string): string {
  let hits = 0;
  let misses = 0;
  let stored = 0;
  let uncached = 0;
  let errors = 0;
  for (const e of dr.cache.logs()) {
    if (e.type === "hit") hits++;
    else if (e.type === "miss") misses++;
    else if (e.type === "stored") stored++;
    else if (e.type === "store-error") errors++;
    else if (e.type !== "recompute") uncached++;
  }
  const parts = [`${hits} hit${hits === 1 ? "" : "s"}`, `${misses} miss${misses === 1 ? "" : "es"}`, `${stored} stored`];
  if (uncached > 0) parts.push(`${uncached} not cached`);
  if (errors > 0) parts.push(`${errors} store error${errors === 1 ? "" : "s"}`);
  return `cache ${dir}: ${parts.join(", ")}`;
}

async function closeQuietly(executor: { finalize(): unknown; close?(): unknown }): Promise<void> {
  try {
    await executor.finalize();
    await executor.close?.();
  } catch {
    // the build already failed; that is the error to report
  }
}

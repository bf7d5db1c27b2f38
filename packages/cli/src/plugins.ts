import type { ParsedRedisUrl } from "@hamilton-ts/executor-cluster/bullmq";
import { ConcurrentLocalTaskExecutor, SynchronousLocalTaskExecutor } from "@hamilton-ts/kernel";
import { type TaskExecutor } from "@hamilton-ts/kernel/contracts";
import { UsageError } from "./args.js";

/**
 * Plugins are optional peer dependencies, imported only when a flag asks for
 * them, so the command works with the kernel alone and gains executors and
 * result formats as plugins are installed next to it.
 */
export async function importPlugin(specifier: string, purpose: string): Promise<Record<string, unknown>> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(pluginLoadMessage(specifier, purpose, error), { cause: error });
  }
}

/** The package a bare specifier belongs to: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return parts.slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
}

/**
 * One line that names the package to install: the plugin itself, or the
 * package it needs that is missing (`bullmq` for `executor-cluster/bullmq`).
 */
export function pluginLoadMessage(specifier: string, purpose: string, error: unknown): string {
  const e = error as NodeJS.ErrnoException | undefined;
  const message = String(e?.message ?? error);
  const pkg = packageOf(specifier);
  if (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") {
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
    if (missing && !missing.startsWith("/") && !missing.startsWith("file:") && !missing.startsWith(".")) {
      const name = packageOf(missing);
      const via = name === pkg ? "" : ` (${pkg} imports it)`;
      return `${purpose} needs ${name}, which is not installed${via}: npm install ${name} (next to @hamilton-ts/cli)`;
    }
    if (missing) return `${purpose} needs ${pkg}, which is installed but not built (missing ${missing}): reinstall or build it`;
  }
  return `${purpose}: cannot load ${specifier}: ${message.split("\n")[0]}`;
}

/** A named export of a plugin, or a clear error saying which version is needed. */
export function pluginExport<T>(mod: Record<string, unknown>, name: string, specifier: string, purpose: string): T {
  const value = mod[name];
  if (value === undefined) {
    throw new UsageError(`${purpose} needs ${name} from ${specifier}, which this installed version does not export (update or rebuild it)`);
  }
  return value as T;
}

/** The executors `--executor` accepts. */
export const EXECUTORS = ["sync", "concurrent", "threads", "processes", "bullmq"] as const;
export type ExecutorKind = (typeof EXECUTORS)[number];

/** Redis connection options a URL stands for, as the BullMQ plugin parses them (a type only: nothing is loaded). */
export type RedisConnection = ParsedRedisUrl;

/**
 * `redis://user:pass@host:6379/2` or `rediss://…` (TLS) → ioredis connection
 * options, parsed by the BullMQ plugin itself; a bad URL is a usage error.
 */
export async function parseRedisUrl(text: string, context: string): Promise<RedisConnection> {
  const spec = "@hamilton-ts/executor-cluster/bullmq";
  const mod = await importPlugin(spec, context);
  const parse = pluginExport<(url: string) => RedisConnection>(mod, "parseRedisUrl", spec, context);
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`--redis: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Options for building an executor from flags. */
export interface ExecutorFlags {
  readonly maxTasks?: number;
  readonly redis?: string;
  readonly queue?: string;
}

type ExecutorClass = new (options: Record<string, unknown>) => TaskExecutor;

/** Build the remote executor `--executor` names. */
export async function createExecutor(kind: ExecutorKind, flags: ExecutorFlags): Promise<TaskExecutor> {
  const maxTasks = flags.maxTasks;
  switch (kind) {
    case "sync":
      return new SynchronousLocalTaskExecutor();
    case "concurrent":
      return new ConcurrentLocalTaskExecutor({ maxTasks: maxTasks ?? 10 });
    case "threads": {
      const spec = "@hamilton-ts/executor-threads";
      const mod = await importPlugin(spec, "--executor threads");
      const Executor = pluginExport<ExecutorClass>(mod, "MultiThreadingExecutor", spec, "--executor threads");
      return new Executor(maxTasks === undefined ? {} : { maxTasks });
    }
    case "processes": {
      const spec = "@hamilton-ts/executor-cluster";
      const mod = await importPlugin(spec, "--executor processes");
      const Executor = pluginExport<ExecutorClass>(mod, "MultiProcessingExecutor", spec, "--executor processes");
      return new Executor(maxTasks === undefined ? {} : { maxTasks });
    }
    case "bullmq": {
      if (!flags.redis || !flags.queue) throw new UsageError("--executor bullmq needs --redis redis://host:port and --queue name");
      const connection = await parseRedisUrl(flags.redis, "--executor bullmq");
      const spec = "@hamilton-ts/executor-cluster/bullmq";
      const mod = await importPlugin(spec, "--executor bullmq");
      const Executor = pluginExport<ExecutorClass>(mod, "BullMQExecutor", spec, "--executor bullmq");
      return new Executor({ connection, queueName: flags.queue });
    }
  }
}

/** The result formats `--result` accepts. */
export const RESULTS = ["dict", "dataframe", "arrow"] as const;
export type ResultKind = (typeof RESULTS)[number];

type StaticBuilder = { buildResult(outputs: Record<string, unknown>): unknown };

/** Import the plugin behind a result kind and return its static result builder. */
export async function loadResultPlugin(kind: Exclude<ResultKind, "dict">): Promise<StaticBuilder> {
  const [spec, name] = kind === "dataframe" ? ["@hamilton-ts/results-dataframe", "DataFrameResult"] : ["@hamilton-ts/results-arrow", "ArrowTableResult"];
  const mod = await importPlugin(spec, `--result ${kind}`);
  const builder = pluginExport<StaticBuilder>(mod, name, spec, `--result ${kind}`);
  if (typeof builder.buildResult !== "function") throw new UsageError(`--result ${kind}: ${name} from ${spec} has no static buildResult`);
  return builder;
}

/** Turn a run's outputs into the result `--result` names. */
export async function buildResult(kind: ResultKind, outputs: Record<string, unknown>): Promise<unknown> {
  if (kind === "dict") return outputs;
  const builder = await loadResultPlugin(kind);
  try {
    return builder.buildResult(outputs);
  } catch (error) {
    throw new UsageError(`--result ${kind}: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}

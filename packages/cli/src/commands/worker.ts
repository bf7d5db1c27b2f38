import { parseFlags, parsePairs, parsePositiveInt, UsageError } from "../args.js";
import { HELP } from "../help.js";
import { resolveModules } from "../modules.js";
import { importPlugin, parseRedisUrl, pluginExport, type RedisConnection } from "../plugins.js";

const OPTIONS = {
  redis: { type: "string" },
  queue: { type: "string" },
  module: { type: "string", short: "m", multiple: true },
  config: { type: "string", short: "c", multiple: true },
  concurrency: { type: "string" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type StartWorker = (options: {
  connection: RedisConnection;
  queueName: string;
  modules: string[];
  config?: Record<string, unknown>;
  concurrency: number;
  workerOptions?: Record<string, unknown>;
}) => Promise<{ close(): Promise<void> | void }> | { close(): Promise<void> | void };

/** The module arguments of `worker`, before any import (for the TypeScript check). */
export function workerModules(argv: readonly string[]): string[] {
  try {
    const { values, positionals } = parseFlags("worker", argv, OPTIONS);
    return [...(values.module ?? []), ...positionals];
  } catch {
    return [];
  }
}

/**
 * `hamilton-ts worker`: serve BullMQ tasks until SIGINT/SIGTERM. The modules are
 * an allow-list: one worker serves every pipeline built from them, each job
 * with its driver's config, unless `--config` pins one.
 */
export async function workerCommand(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const { values, positionals } = parseFlags("worker", argv, OPTIONS);
  if (values.help) {
    io.stdout.write(HELP.worker);
    return 0;
  }
  if (!values.redis) throw new UsageError("worker needs --redis redis://host:port");
  if (!values.queue) throw new UsageError("worker needs --queue name (the driver's queueName)");
  const connection = await parseRedisUrl(values.redis, "hamilton-ts worker");
  const modules = resolveModules([...(values.module ?? []), ...positionals]);
  const config = values.config?.length ? parsePairs("--config", values.config) : undefined;
  const concurrency = parsePositiveInt("--concurrency", values.concurrency) ?? 1;
  const spec = "@hamilton-ts/executor-cluster/bullmq";
  const mod = await importPlugin(spec, "hamilton-ts worker");
  const startWorker = pluginExport<StartWorker>(mod, "startWorker", spec, "hamilton-ts worker");
  const handle = await startWorker({ connection, queueName: values.queue, modules, ...(config ? { config } : {}), concurrency });
  io.stderr.write(
    `hamilton-ts worker: serving queue "${values.queue}" on ${connection.host}:${connection.port} ` +
      `(concurrency ${concurrency}, pipelines of ${modules.length} module${modules.length === 1 ? "" : "s"}` +
      `${config ? ", config pinned" : ""}); Ctrl-C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  io.stderr.write("hamilton-ts worker: stopping (waiting for running tasks)…\n");
  await handle.close();
  return 0;
}

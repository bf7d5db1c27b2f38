import { Builder } from "@hamilton-ts/kernel";
import { type GroupingStrategy, type TaskExecutor } from "@hamilton-ts/kernel/contracts";

export const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

/** A driver whose parallel blocks run on `executor`. */
export function driverFor(module: string, executor: TaskExecutor, options: { grouping?: GroupingStrategy; adapters?: object[]; config?: Record<string, unknown> } = {}) {
  let b = new Builder()
    .withModules(fixture(module))
    .withConfig(options.config ?? {})
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withRemoteExecutor(executor);
  if (options.grouping) b = b.withGroupingStrategy(options.grouping);
  if (options.adapters) b = b.withAdapters(...options.adapters);
  return b.build();
}

/**
 * vitest runs this suite with `--conditions hamilton-ts:source` (so the test
 * file imports the kernel's source); worker threads would inherit it and fail to
 * import .ts files under plain Node, so tests give workers the rest of execArgv.
 */
export const execArgv: string[] = (() => {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === "--conditions" || a === "-C") && argv[i + 1] === "hamilton-ts:source") i++;
    else if (a !== "--conditions=hamilton-ts:source") out.push(a);
  }
  return out;
})();

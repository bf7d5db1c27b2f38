import type { ExecutorContext, TaskExecutor } from "./task-executor.js";

/**
 * Run `body` between `init(context)` and `finalize()` of every executor; an
 * executor whose `init` failed is not finalized, the others always are.
 */
export async function withExecutors<T>(executors: readonly TaskExecutor[], context: ExecutorContext, body: () => Promise<T>): Promise<T> {
  const started: TaskExecutor[] = [];
  try {
    await Promise.all(
      executors.map(async (e) => {
        await e.init(context);
        started.push(e);
      }),
    );
    return await body();
  } finally {
    await Promise.allSettled(started.map((e) => e.finalize()));
  }
}

// One cold run of the word-count pipeline (file processing) with a DataFrame
// result, as a fresh process would do it: `node cold-start.mjs <sync|threads|processes>`.
// Importing @hamilton-ts/results-dataframe registers its codec in the driver,
// so a worker that preloads codec modules pays for danfo and TensorFlow.
import { Builder, SynchronousLocalTaskExecutor } from "@hamilton-ts/kernel";
import { SimpleDataFrameGraphAdapter } from "@hamilton-ts/results-dataframe";

const kind = process.argv[2] ?? "sync";
let executor;
if (kind === "threads") executor = new (await import("@hamilton-ts/executor-threads")).MultiThreadingExecutor();
else if (kind === "processes") executor = new (await import("@hamilton-ts/executor-cluster")).MultiProcessingExecutor();
else executor = new SynchronousLocalTaskExecutor();
const dr = await new Builder()
  .withModules(new URL("../../examples/word-count/pipeline.mjs", import.meta.url))
  .enableDynamicExecution({ allowExperimentalMode: true })
  .withRemoteExecutor(executor)
  .withAdapters(new SimpleDataFrameGraphAdapter())
  .build();
const t0 = performance.now();
const df = await dr.execute(["file", "words", "top_words"], { inputs: { latency_ms: 0 } });
const runMs = performance.now() - t0;
await dr.close();
if (df.shape[0] !== 8) throw new Error(`expected 8 rows, got ${df.shape}`);
process.stdout.write(JSON.stringify({ kind, runMs, workers: executor.maxTasks ?? 1 }) + "\n");

// `pnpm demo`: the word-count map-reduce on worker threads, with a progress
// display, the per-file table as a DataFrame, an Arrow file and an SVG of the graph.
import { mkdirSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Builder, ConcurrentLocalTaskExecutor } from "@hamilton-ts/kernel";
import { ProgressAdapter, renderDot } from "@hamilton-ts/cli";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const outDir = here("./out/");
const show = (p) => relative(process.cwd(), p) || p;
const LATENCY_MS = Number(process.env.WORD_COUNT_LATENCY_MS ?? 250);

// Threads when @hamilton-ts/executor-threads is built; the kernel's event-loop executor otherwise.
async function remoteExecutor() {
  try {
    const { MultiThreadingExecutor } = await import("@hamilton-ts/executor-threads");
    if (MultiThreadingExecutor) return { executor: new MultiThreadingExecutor({ maxTasks: 4 }), label: "4 worker threads (MultiThreadingExecutor)" };
  } catch {
    // not built yet: fall through
  }
  return {
    executor: new ConcurrentLocalTaskExecutor({ maxTasks: 4 }),
    label: "ConcurrentLocalTaskExecutor (note: @hamilton-ts/executor-threads is not built, so branches share the main thread)",
  };
}

const { executor, label } = await remoteExecutor();
const progress = new ProgressAdapter();
const dr = await new Builder()
  .withModules(new URL("./pipeline.mjs", import.meta.url)) // a location, so worker threads can import it too
  .enableDynamicExecution({ allowExperimentalMode: true })
  .withRemoteExecutor(executor)
  .withAdapters(progress)
  .build();
progress.attach(dr);

const outputs = ["file", "words", "top_words", "total_words"];
console.log(`hamilton-ts demo: counting words in ${show(here("./data/"))} on ${label}`);
console.log(`(each file pretends to arrive over a network with ${LATENCY_MS} ms latency; WORD_COUNT_LATENCY_MS=0 to skip)\n`);

let raw;
try {
  raw = await dr.rawExecute(outputs, { inputs: { latency_ms: LATENCY_MS } });
} finally {
  await dr.close();
}
const columns = { file: raw.file, words: raw.words, top_word: raw.top_words };

// The per-file table as a DataFrame (Hamilton's default result)
const { DataFrameResult } = await import("@hamilton-ts/results-dataframe");
const df = DataFrameResult.buildResult(columns);
console.log("\nPer-file word counts (a danfo DataFrame from DataFrameResult):");
df.print();
console.log(`Total words: ${raw.total_words}\n`);

mkdirSync(outDir, { recursive: true });
const written = [];

// The same table as Apache Arrow, written as an IPC file
const { ArrowTableResult } = await import("@hamilton-ts/results-arrow");
const { writeArrowFile } = await import("@hamilton-ts/results-arrow/file");
const arrowPath = here("./out/word-counts.arrow");
await writeArrowFile(arrowPath, ArrowTableResult.buildResult(columns));
written.push([arrowPath, "the table as an Arrow IPC file (pyarrow, DuckDB, Polars read it)"]);

// The graph of this execution: DOT text, and SVG through Graphviz compiled to WebAssembly (no system Graphviz needed)
const dot = dr.visualizeExecution(outputs, { inputs: { latency_ms: LATENCY_MS } });
const dotPath = here("./out/word-count.dot");
writeFileSync(dotPath, dot);
const svgPath = here("./out/word-count.svg");
writeFileSync(svgPath, await renderDot(dot, "svg"));
written.push([dotPath, "the graph as DOT text"]);
written.push([svgPath, "the graph, parallel block drawn as a cluster"]);

console.log("Wrote:");
for (const [path, what] of written) console.log(`  ${show(path)}  — ${what}`);
console.log(`\nTry the command line too:\n  node packages/cli/dist/bin.js run examples/word-count/pipeline.mjs --outputs file,words,top_words --result dataframe --executor threads`);

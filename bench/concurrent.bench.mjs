// Concurrent runs on one Driver: 10 overlapping execute() calls against the same
// 10 in a row, under every executor (issue 9's contract: overlapping runs share
// the executor fairly and none waits for another to finish). Each run is a
// map-reduce of 8 branches spinning 10–19 ms; every task goes to the executor
// under test (DefaultExecutionManager with it as local and remote executor).
// In a row and at once are interleaved (sideBySide, medians), and every result
// is checked against its sequential value. BullMQ uses a throwaway
// redis-server and two worker processes (skipped without redis-server).
//
//   pnpm build && node --expose-gc bench/concurrent.bench.mjs [sync|concurrent|threads|processes|bullmq]
import { Builder, DefaultExecutionManager } from "@hamilton-ts/kernel";
import { sideBySide } from "./side-by-side.mjs";
import { allExecutors, pick } from "./executor-list.mjs";

const PIPELINE = new URL("./pipelines/cpu-map-reduce.mjs", import.meta.url);
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const RUNS = 10;
const inputs = (i) => ({ count: 8, work_ms: 10 + i });

const executors = pick(allExecutors(PIPELINE), only);

const rows = [];
const json = {};
for (const e of executors) {
  const made = await e.make();
  if (!made) {
    rows.push([e.label, "SKIPPED: redis-server is not installed", "", ""]);
    continue;
  }
  const dr = await new Builder()
    .withModules(PIPELINE)
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withExecutionManager(new DefaultExecutionManager({ localExecutor: made.ex, remoteExecutor: made.ex }))
    .build();
  const expected = [];
  for (let i = 0; i < RUNS; i++) expected.push((await dr.execute(["checksum"], { inputs: inputs(i) })).checksum);
  const check = (outs) => outs.forEach((o, i) => {
    if (o.checksum !== expected[i]) throw new Error(`${e.label}: run ${i} gave ${o.checksum}, in a row it gave ${expected[i]}`);
  });
  const inRow = async () => {
    const outs = [];
    for (let i = 0; i < RUNS; i++) outs.push(await dr.execute(["checksum"], { inputs: inputs(i) }));
    check(outs);
  };
  const atOnce = async () => check(await Promise.all(Array.from({ length: RUNS }, (_, i) => dr.execute(["checksum"], { inputs: inputs(i) }))));
  const [row, once] = await sideBySide(3, [inRow, atOnce]);
  await dr.close();
  await made.stop?.();
  json[e.name] = { inRowMs: +row.toFixed(0), atOnceMs: +once.toFixed(0), speedup: +(row / once).toFixed(2) };
  rows.push([e.label, `${row.toFixed(0)} ms`, `${once.toFixed(0)} ms`, `${(row / once).toFixed(2)}×`]);
}

console.log(`| executor | ${RUNS} runs in a row | ${RUNS} runs at once | in a row ÷ at once |\n|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log(JSON.stringify({ bench: "concurrent", runs: RUNS, results: json }));
process.exit(0);

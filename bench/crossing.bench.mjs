// Hostile-shaped values across each executor, end to end through a Driver:
// a node builds the value in the worker and returns it to the caller. Rows:
// a 2^20-shared-reference value (21 objects, 2^20 paths) and a 1,000,000-node
// cyclic graph, under the synchronous executor (no crossing: the baseline),
// worker threads, child processes and BullMQ (2 worker processes on a throwaway
// redis-server; skipped without one), and the floor: building the value and
// carrying it across with no codec (structured clone / v8 serialization). Each executor's runs are interleaved with
// the synchronous executor's (sideBySide, medians), so the ratio column holds
// under load. Also checks that sharing and cycles arrived intact.
//
//   pnpm build && node --expose-gc bench/crossing.bench.mjs [threads|processes|bullmq]
import { Builder, DefaultExecutionManager, SynchronousLocalTaskExecutor } from "@hamilton-ts/kernel";
import { deserialize, serialize } from "node:v8";
import { sideBySide } from "./side-by-side.mjs";
import { allExecutors, pick } from "./executor-list.mjs";
import { cyclic, shared } from "./pipelines/crossing.mjs";

const PIPELINE = new URL("./pipelines/crossing.mjs", import.meta.url);
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const reps = Number(process.env.BENCH_REPS ?? 3);

const everyTaskOn = (ex) =>
  new Builder()
    .withModules(PIPELINE)
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withExecutionManager(new DefaultExecutionManager({ localExecutor: ex, remoteExecutor: ex }))
    .build();

// the floor: building the value and carrying it across with no codec at all
// (structured clone for threads, v8 serialization for processes and BullMQ)
const crossings = { threads: structuredClone, processes: (v) => deserialize(serialize(v)), bullmq: (v) => deserialize(serialize(v)) };
const cases = [
  { name: "2^20 shared references", output: "shared", inputs: { levels: 20 }, build: () => shared(20), intact: (v) => v.l === v.r && v.l.l === v.l.r },
  { name: "1,000,000-node cyclic graph", output: "cyclic", inputs: { size: 1_000_000 }, build: () => cyclic(1_000_000), intact: (v) => v.nodes.length === 1_000_000 && v.nodes[9].graph === v && v.nodes[9].prev === v.nodes[8] },
];

const executors = pick(allExecutors(PIPELINE), only.length ? only : ["threads", "processes", "bullmq"]);

const rows = [];
const json = {};
const sync = await everyTaskOn(new SynchronousLocalTaskExecutor());
for (const e of executors) {
  const made = await e.make();
  if (!made) {
    rows.push([e.label, "SKIPPED: redis-server is not installed", "", "", "", ""]);
    continue;
  }
  const dr = await everyTaskOn(made.ex);
  for (const c of cases) {
    let intact = true;
    const run = (d) => async () => {
      const out = await d.execute([c.output], { inputs: c.inputs });
      intact &&= c.intact(out[c.output]);
    };
    const floor = async () => crossings[e.name](c.build());
    const [base, cross, over] = await sideBySide(reps, [run(sync), floor, run(dr)]);
    json[`${e.name}:${c.output}`] = { syncMs: +base.toFixed(1), floorMs: +cross.toFixed(1), ms: +over.toFixed(1), ofFloor: +(over / cross).toFixed(2), intact };
    rows.push([e.label, c.name, `${base.toFixed(1)} ms`, `${cross.toFixed(1)} ms`, `${over.toFixed(1)} ms`, `${(over / cross).toFixed(2)}×${intact ? "" : " (NOT INTACT)"}`]);
  }
  await dr.close();
  await made.stop?.();
}
await sync.close();

console.log("| executor | value | synchronous executor (no crossing) | floor: build + bare crossing | executor | executor ÷ floor |\n|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log(JSON.stringify({ bench: "crossing", reps, results: json }));
process.exit(0);

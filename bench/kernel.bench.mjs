// Kernel benchmarks: graph build, classic and dynamic execution per node, the
// cost of adapters on the classic path, concurrent runs, and map-reduce
// throughput under each kernel executor. Prints a table and JSON.
//
// Side by side with an earlier commit: build it, copy its `packages/kernel/dist`
// to `<dir>/kernel` and `packages/cli/dist` to `<dir>/cli`, then run
// `HAMILTON_BENCH_BASELINE=<dir> node --expose-gc bench/kernel.bench.mjs`:
// the build, classic, dynamic and map-reduce rows then run both, interleaved,
// and print medians and before / now ratios. The floor rows print the gap to a
// plain JS loop (map-reduce) and to the classic path (dynamic), same run.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as kernel from "@hamilton-ts/kernel";
import * as cli from "@hamilton-ts/cli";

const { Builder, collect, ConcurrentLocalTaskExecutor, Driver, GroupNodesIndividually, node, parallelizable, SynchronousLocalTaskExecutor } = kernel;

const now = () => performance.now();
const gc = () => globalThis.gc?.();

/** Best of `reps` runs of an async function, in ms. */
async function best(reps, fn) {
  let min = Infinity;
  for (let i = 0; i < reps; i++) {
    gc();
    const t = now();
    await fn();
    min = Math.min(min, now() - t);
  }
  return min;
}

function chain(n) {
  const mod = { n0: () => 0 };
  for (let i = 1; i < n; i++) mod[`n${i}`] = node((prev) => prev + 1, { deps: [`n${i - 1}`] });
  return mod;
}

/** The same chain as source-parsed functions (parameter names read from source). */
function parsedChain(n) {
  const mod = { n0: () => 0 };
  for (let i = 1; i < n; i++) mod[`n${i}`] = new Function(`n${i - 1}`, `return n${i - 1} + 1;`);
  return mod;
}

const mapReduce = {
  items: parallelizable(function* (n) {
    for (let i = 0; i < n; i++) yield i;
  }),
  doubled: (items) => items * 2,
  total: collect("doubled", (doubled) => {
    let s = 0;
    for (const v of doubled) s += v;
    return s;
  }),
};

const results = {};
const rows = [];
const row = (what, value, unit, target) => {
  rows.push([what, value.toFixed(value < 10 ? 2 : 0), unit, target ?? ""]);
};

// graph build
{
  const N = 10_000;
  const explicit = chain(N);
  const parsed = parsedChain(N);
  results.buildExplicitMs = await best(5, () => new Driver({}, explicit));
  results.buildParsedMs = await best(5, () => new Driver({}, parsed));
  row("build 10,000-node graph (node(fn, { deps }))", results.buildExplicitMs, "ms", "≤ 50 ms (Hamilton: 348 ms)");
  row("build 10,000-node graph (parameters parsed)", results.buildParsedMs, "ms", "≤ 50 ms");
}

// classic and dynamic execution per node
{
  const N = 10_000;
  const mod = chain(N);
  const out = [`n${N - 1}`];
  const classic = new Driver({}, mod);
  results.classicFirstUsPerNode = ((await best(1, () => classic.execute(out))) * 1000) / N;
  results.classicUsPerNode = ((await best(10, () => classic.execute(out))) * 1000) / N;
  row("classic execute, 10,000-node chain, first run (plans)", results.classicFirstUsPerNode, "µs/node");
  row("classic execute, 10,000-node chain", results.classicUsPerNode, "µs/node", "≤ 1 µs (Hamilton: 8.9 µs)");
  for (const size of [1_000, 10_000]) {
    const m = chain(size);
    const dyn = await new Builder()
      .withModules(m)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withGroupingStrategy(new GroupNodesIndividually())
      .build();
    const first = ((await best(1, () => dyn.execute([`n${size - 1}`]))) * 1000) / size;
    const steady = ((await best(5, () => dyn.execute([`n${size - 1}`]))) * 1000) / size;
    results[`dynamicFirstUsPerNode${size}`] = first;
    results[`dynamicUsPerNode${size}`] = steady;
    row(`dynamic execute, ${size.toLocaleString("en")}-node chain, first run`, first, "µs/node");
    row(`dynamic execute, ${size.toLocaleString("en")}-node chain`, steady, "µs/node", `≤ 20 µs (Hamilton: ${size === 1000 ? "139 µs" : "1.7 ms"})`);
  }
}

// side by side: graph build, classic (with adapters), dynamic and map-reduce. With a baseline,
// each case runs under both kernels, interleaved, and prints medians and before / now ratios.
{
  const N = 10_000;
  const versions = [["now", kernel, cli]];
  const baseline = process.env.HAMILTON_BENCH_BASELINE;
  if (baseline) {
    const dir = (name) => pathToFileURL(join(baseline, name, "index.js")).href;
    versions.unshift(["before", await import(dir("kernel")), await import(dir("cli"))]);
  }
  const sinkOf = () => ({ isTTY: false, lines: 0, write(s) { for (const c of s) if (c === "\n") this.lines++; } });
  const chainOf = (k, n) => {
    const mod = { n0: () => 0 };
    for (let i = 1; i < n; i++) mod[`n${i}`] = k.node((prev) => prev + 1, { deps: [`n${i - 1}`] });
    return mod;
  };
  const classic = (options) => async (k, c, sink) => {
    const opts = options(k, c, sink);
    const dr = new k.Driver({}, chainOf(k, N), opts);
    for (const a of opts.adapters ?? []) a.attach?.(dr); // the earlier ProgressAdapter read totals from the driver
    return () => dr.execute([`n${N - 1}`]);
  };
  // one task per node: the Builder's default grouping (Hamilton's)
  const dynamic = (n) => async (k) => {
    const dr = await new k.Builder().withModules(chainOf(k, n)).enableDynamicExecution({ allowExperimentalMode: true }).build();
    return () => dr.execute([`n${n - 1}`]);
  };
  const mapReduceOf = (k) => ({
    items: k.parallelizable(function* (n) { for (let i = 0; i < n; i++) yield i; }),
    doubled: (items) => items * 2,
    total: k.collect("doubled", (doubled) => { let s = 0; for (const v of doubled) s += v; return s; }),
  });
  // the Builder's default executors: branches on ConcurrentLocalTaskExecutor(10), in this thread
  const mapReduceRun = (n, executor) => async (k) => {
    let b = new k.Builder().withModules(mapReduceOf(k)).enableDynamicExecution({ allowExperimentalMode: true });
    if (executor) b = b.withRemoteExecutor(executor(k));
    const dr = await b.build();
    return () => dr.execute(["total"], { inputs: { n } });
  };
  // [label, per-unit divisor, unit, target, setup, repetitions]; unit "items/s" prints a rate
  const cases = [
    ["build 10,000-node graph, node(fn, { deps })", 1, "ms", "≤ 50 ms", async (k) => { const m = chainOf(k, N); return () => new k.Driver({}, m); }, 12],
    ["build 10,000-node graph, parameters parsed", 1, "ms", "≤ 50 ms", async (k) => { const m = parsedChain(N); return () => new k.Driver({}, m); }, 12],
    ["classic 10,000-node chain, no adapter", N, "µs/node", "≤ 0.35 µs", classic(() => ({})), 15],
    ["classic 10,000-node chain, DefaultAdapter", N, "µs/node", "≤ 0.35 µs", classic((k) => ({ adapter: new k.DefaultAdapter() })), 15],
    ["classic 10,000-node chain, one empty node-hook adapter", N, "µs/node", "≤ 2 µs", classic(() => ({ adapters: [{ preNodeExecute() {}, postNodeExecute() {} }] })), 15],
    ["classic 10,000-node chain, the CLI's ProgressAdapter (off a terminal)", N, "µs/node", undefined, classic((_k, c, sink) => ({ adapters: [new c.ProgressAdapter({ stream: sink })] })), 15],
    ["dynamic 1,000-node chain, one task per node", 1_000, "µs/node", undefined, dynamic(1_000), 15],
    ["dynamic 10,000-node chain, one task per node", N, "µs/node", "≤ 2 µs", dynamic(N), 12],
    ["dynamic 100,000-node chain, one task per node", 100_000, "µs/node", "≤ 2 µs, no worse than at 10,000", dynamic(100_000), 5],
    ["map-reduce 20,000 items, ConcurrentLocalTaskExecutor(10)", 20_000, "µs/item", undefined, mapReduceRun(20_000, (k) => new k.ConcurrentLocalTaskExecutor({ maxTasks: 10 })), 12],
    ["map-reduce 100,000 items, default executors", 100_000, "items/s", "≥ 1,500,000", mapReduceRun(100_000), 9],
    ["map-reduce 1,000,000 items, default executors", 1_000_000, "items/s", "≥ 1,500,000", mapReduceRun(1_000_000), 5],
  ];
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const shown = (ms, per, unit) => (unit === "items/s" ? per / (ms / 1000) : unit === "ms" ? ms : (ms * 1000) / per);
  const comparison = [];
  for (const [label, per, unit, target, setup, reps] of cases) {
    const runs = [];
    for (const [v, k, c] of versions) {
      const sink = sinkOf();
      runs.push({ v, sink, run: await setup(k, c, sink), times: [], lines: 0 });
    }
    for (let w = 0; w < 3; w++) for (const r of runs) await r.run(); // plans and warms up (the JIT, the young generation)
    for (let rep = 0; rep < reps; rep++) {
      for (const r of runs) {
        const lines = r.sink.lines;
        // no forced GC here: a full collection shrinks the young generation, which
        // penalises code that allocates per node far more than a long-lived process does
        const t = now();
        await r.run();
        r.times.push(now() - t);
        r.lines = r.sink.lines - lines;
      }
    }
    for (const r of runs) r.median = shown(median(r.times), per, unit);
    const current = runs.at(-1);
    const key = label.replace(/[^a-z0-9]+/gi, "_");
    results[`${key}_${unit === "µs/node" ? "UsPerNode" : unit === "µs/item" ? "UsPerItem" : unit === "ms" ? "Ms" : "ItemsPerSec"}`] = current.median;
    row(`${label} (median of ${reps})`, current.median, unit, target);
    if (runs.length > 1) {
      results[`${key}_before`] = runs[0].median;
      // a ratio > 1 is faster now, whichever the unit
      const gain = unit === "items/s" ? current.median / runs[0].median : runs[0].median / current.median;
      comparison.push([label, unit, runs[0].median, current.median, gain, runs[0].lines, current.lines]);
    }
    runs.length = 0; // let the graphs go before the next case
  }
  if (comparison.length > 0) {
    const f = (x) => (x >= 1000 ? Math.round(x).toLocaleString("en") : x.toFixed(2));
    console.log(`${"side by side, medians".padEnd(72)} ${"before".padStart(10)} ${"now".padStart(10)}  speed-up  lines written (before → now)`);
    for (const [label, unit, b, n, gain, lb, ln] of comparison) {
      console.log(`  ${`${label} (${unit})`.padEnd(70)} ${f(b).padStart(10)} ${f(n).padStart(10)}  ${gain.toFixed(2).padStart(7)}×  ${lb} → ${ln}`);
    }
  }
}

// the floor, same run: what the work costs by hand (a plain loop), or on the classic path;
// measured as the side-by-side rows are (warmed up, median, no forced GC)
{
  const medianMs = async (reps, fn) => {
    for (let w = 0; w < 3; w++) await fn();
    const times = [];
    for (let i = 0; i < reps; i++) {
      const t = now();
      await fn();
      times.push(now() - t);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1];
  };
  const mrDriver = await new Builder().withModules(mapReduce).enableDynamicExecution({ allowExperimentalMode: true }).build();
  for (const n of [100_000, 1_000_000]) {
    // the same three functions, called by hand
    const loop = () => {
      const values = [];
      for (const item of mapReduce.items(n)) values.push(mapReduce.doubled(item));
      return mapReduce.total(values);
    };
    const loopMs = await medianMs(7, loop);
    const krMs = await medianMs(n > 100_000 ? 5 : 7, () => mrDriver.execute(["total"], { inputs: { n } }));
    results[`floor_loop_${n}`] = n / (loopMs / 1000);
    results[`floor_gap_mapReduce_${n}`] = krMs / loopMs;
    row(`floor: map-reduce ${n.toLocaleString("en")} items, a plain JS loop over the same functions`, n / (loopMs / 1000), "items/s");
    row(`  the kernel, same run (default executors)`, n / (krMs / 1000), "items/s", `${(krMs / loopMs).toFixed(1)}× the loop's time`);
  }
  const N = 10_000;
  const m = chain(N);
  const classicDr = new Driver({}, m);
  const dynDr = await new Builder().withModules(m).enableDynamicExecution({ allowExperimentalMode: true }).build();
  const classicMs = await medianMs(15, () => classicDr.execute([`n${N - 1}`]));
  const dynMs = await medianMs(15, () => dynDr.execute([`n${N - 1}`]));
  results.floor_gap_dynamic_vs_classic = dynMs / classicMs;
  row("floor: classic path, 10,000-node chain", (classicMs * 1000) / N, "µs/node");
  row("  dynamic, one task per node, same run", (dynMs * 1000) / N, "µs/node", `${(dynMs / classicMs).toFixed(1)}× the classic path's time`);
  // this kernel alone in the heap (side by side, both kernels' 100,000-node graphs share it and its GC)
  const big = await new Builder().withModules(chain(100_000)).enableDynamicExecution({ allowExperimentalMode: true }).build();
  const bigMs = await medianMs(5, () => big.execute(["n99999"]));
  results.dynamicAloneUsPerNode100000 = (bigMs * 1000) / 100_000;
  row("  dynamic, 100,000-node chain, this kernel alone", (bigMs * 1000) / 100_000, "µs/node", `${((bigMs / 100_000) / (dynMs / N)).toFixed(2)}× the 10,000-node cost per node`);
  // a LangGraph.js row only where it is installed (it is no dependency of the benchmarks)
  if (!(await import("@langchain/langgraph").catch(() => undefined))) console.log("(no LangGraph.js row: @langchain/langgraph is not installed in bench/node_modules)");
}

// concurrent runs on one driver: 10 at once vs 10 in a row (4 branches that wait 2 ms each;
// maxTasks 10 is shared by every run, so at once they fill the slots one run alone leaves idle)
{
  const mod = {
    items: parallelizable((n) => Array.from({ length: n }, (_, i) => i)),
    each: async (items) => (await new Promise((r) => setTimeout(r, 2)), items),
    total: collect("each", (each) => each.length),
  };
  const dr = await new Builder().withModules(mod).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(new ConcurrentLocalTaskExecutor({ maxTasks: 10 })).build();
  const inRow = await best(3, async () => {
    for (let i = 0; i < 10; i++) await dr.execute(["total"], { inputs: { n: 4 } });
  });
  const together = await best(3, () => Promise.all(Array.from({ length: 10 }, () => dr.execute(["total"], { inputs: { n: 4 } }))));
  results.concurrentRunsSpeedup = inRow / together;
  row("10 runs at once vs 10 in a row (4 branches of 2 ms each, maxTasks 10)", inRow / together, "× faster", "≈ 2.5 (40 tasks in 4 waves vs 10)");
}

// map-reduce throughput
for (const [name, make] of [
  ["SynchronousLocalTaskExecutor", () => new SynchronousLocalTaskExecutor()],
  ["ConcurrentLocalTaskExecutor(10)", () => new ConcurrentLocalTaskExecutor({ maxTasks: 10 })],
]) {
  const dr = await new Builder()
    .withModules(mapReduce)
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withRemoteExecutor(make())
    .build();
  for (const n of [1_000, 100_000]) {
    const ms = await best(n > 10_000 ? 3 : 10, () => dr.execute(["total"], { inputs: { n } }));
    const perSec = n / (ms / 1000);
    results[`mapReduce_${name}_${n}`] = perSec;
    row(`map-reduce ${n.toLocaleString("en")} items, ${name}`, perSec, "items/s", "≥ 100,000 (Hamilton: 2,540 at 1k)");
  }
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => String(r[i]).length)));
for (const r of rows) console.log(r.map((c, i) => (i === 1 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join("  "));
console.log(JSON.stringify({ bench: "kernel", node: process.version, results }));

// Kernel benchmarks: graph build, classic and dynamic execution per node, the
// cost of adapters on the classic path, concurrent runs, and map-reduce
// throughput under each kernel executor. Prints a table and JSON.
//
// Side by side with an earlier commit: build it, copy its `packages/kernel/dist`
// to `<dir>/kernel` and `packages/cli/dist` to `<dir>/cli`, then run
// `HAMILTON_BENCH_BASELINE=<dir> node --expose-gc bench/kernel.bench.mjs`:
// the adapter and dynamic-path rows then run both, interleaved, and print
// before / now ratios.
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

// adapters on the classic path (what a progress bar or tracer costs per node),
// and the dynamic path; with a baseline, each case runs under both kernels, interleaved
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
  // [label, per-unit divisor, unit, target, setup]
  const cases = [
    ["classic 10,000-node chain, no adapter", N, "µs/node", undefined, classic(() => ({}))],
    ["classic 10,000-node chain, DefaultAdapter", N, "µs/node", "≤ 1 µs", classic((k) => ({ adapter: new k.DefaultAdapter() }))],
    ["classic 10,000-node chain, one empty node-hook adapter", N, "µs/node", "≤ 2 µs", classic(() => ({ adapters: [{ preNodeExecute() {}, postNodeExecute() {} }] }))],
    ["classic 10,000-node chain, the CLI's ProgressAdapter (off a terminal)", N, "µs/node", undefined, classic((_k, c, sink) => ({ adapters: [new c.ProgressAdapter({ stream: sink })] }))],
    ["dynamic 1,000-node chain, one task per node", 1_000, "µs/node", undefined, async (k) => {
      const dr = await new k.Builder().withModules(chainOf(k, 1_000)).enableDynamicExecution({ allowExperimentalMode: true }).withGroupingStrategy(new k.GroupNodesIndividually()).build();
      return () => dr.execute(["n999"]);
    }],
    ["map-reduce 20,000 items, ConcurrentLocalTaskExecutor(10)", 20_000, "µs/item", undefined, async (k) => {
      const mod = { items: k.parallelizable(function* (n) { for (let i = 0; i < n; i++) yield i; }), doubled: (items) => items * 2, total: k.collect("doubled", (doubled) => doubled.length) };
      const dr = await new k.Builder().withModules(mod).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(new k.ConcurrentLocalTaskExecutor({ maxTasks: 10 })).build();
      return () => dr.execute(["total"], { inputs: { n: 20_000 } });
    }],
  ];
  const comparison = [];
  for (const [label, per, unit, target, setup] of cases) {
    const runs = [];
    for (const [v, k, c] of versions) {
      const sink = sinkOf();
      runs.push({ v, sink, run: await setup(k, c, sink), best: Infinity, lines: 0 });
    }
    for (const r of runs) await r.run(); // plans and warms up
    for (let rep = 0; rep < 12; rep++) {
      for (const r of runs) {
        const lines = r.sink.lines;
        // no forced GC here: a full collection shrinks the young generation, which
        // penalises code that allocates per node far more than a long-lived process does
        const t = now();
        await r.run();
        r.best = Math.min(r.best, now() - t);
        r.lines = r.sink.lines - lines;
      }
    }
    const perUnit = (r) => (r.best * 1000) / per;
    const current = runs.at(-1);
    const key = label.replace(/[^a-z0-9]+/gi, "_");
    results[`${key}_${unit === "µs/node" ? "UsPerNode" : "UsPerItem"}`] = perUnit(current);
    row(label, perUnit(current), unit, target);
    if (runs.length > 1) {
      results[`${key}_before`] = perUnit(runs[0]);
      comparison.push([label, perUnit(runs[0]), perUnit(current), runs[0].lines, current.lines]);
    }
  }
  if (comparison.length > 0) {
    console.log(`${"side by side, µs per node or item".padEnd(70)} before     now  before/now  lines written (before → now)`);
    for (const [label, b, n, lb, ln] of comparison) {
      console.log(`  ${label.padEnd(68)} ${b.toFixed(2).padStart(6)}  ${n.toFixed(2).padStart(6)}  ${(b / n).toFixed(2).padStart(9)}×  ${lb} → ${ln}`);
    }
  }
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

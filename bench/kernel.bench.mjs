// Kernel benchmarks: graph build, classic and dynamic execution per node, and
// map-reduce throughput under each kernel executor. Prints a table and JSON.
import { Builder, collect, ConcurrentLocalTaskExecutor, Driver, GroupNodesIndividually, node, parallelizable, SynchronousLocalTaskExecutor } from "@hamilton-ts/kernel";

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

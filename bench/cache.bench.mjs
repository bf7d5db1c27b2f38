// Cache benchmarks: what fingerprinting a value costs next to a typical node
// over the same data (a column sum), and what the cache adds per node for small
// values. Each pair runs interleaved (A, B, A, B, ...) so both see the same
// machine load; figures are medians. Prints a table and a JSON line.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Builder, collect, parallelizable } from "@hamilton-ts/kernel";
import { CacheEngine } from "@hamilton-ts/kernel/cache";
import { fingerprint, FunctionGraph, nodesFromModules } from "@hamilton-ts/kernel/contracts";
import { FileCacheStore } from "@hamilton-ts/cache";
import "@hamilton-ts/results-arrow";
import "@hamilton-ts/results-dataframe";
import { makeVector, Table } from "apache-arrow";
import { DataFrame } from "danfojs-node";
import { sideBySide } from "./side-by-side.mjs";

const rows = [];
const results = {};
const fmt = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
const row = (what, value, unit, note = "") => rows.push([what, fmt(value), unit, note]);
let sink = 0;

async function mustHash(v) {
  const r = await fingerprint(v);
  if (typeof r !== "string") throw new Error(r.reason);
  return r;
}

// (a) a 1,000,000-element Float64Array (8 MB)
{
  const n = 1_000_000;
  const a = Float64Array.from({ length: n }, (_, i) => i * 0.5);
  const sum = () => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i];
    sink += s;
  };
  // a typical light node: standardise the column into a new one (mean, deviation, one output array)
  const zscore = () => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m += a[i];
    m /= a.length;
    let v = 0;
    for (let i = 0; i < a.length; i++) v += (a[i] - m) ** 2;
    const sd = Math.sqrt(v / a.length);
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = (a[i] - m) / sd;
    sink += out[1];
  };
  const [tFp, tSum, tZ] = await sideBySide(15, [() => mustHash(a), sum, zscore]);
  const mb = a.byteLength / 1e6;
  results.float64 = { mb, fingerprintMs: tFp, sumMs: tSum, zscoreMs: tZ, mbPerSecond: mb / (tFp / 1000), fingerprintOverSum: tFp / tSum, fingerprintOverZscore: tFp / tZ };
  row("Float64Array 1M (8 MB): fingerprint", tFp, "ms", `${fmt(mb / (tFp / 1000))} MB/s`);
  row("Float64Array 1M: sum of the elements", tSum, "ms");
  row("Float64Array 1M: z-score into a new column", tZ, "ms");
  row("Float64Array 1M: fingerprint / sum", tFp / tSum, "x");
  row("Float64Array 1M: fingerprint / z-score", tFp / tZ, "x");
}

// (b) a 1,000,000-row x 10-column Arrow Table of Float64 (80 MB)
{
  const n = 1_000_000;
  const cols = Object.fromEntries(Array.from({ length: 10 }, (_, c) => [`c${c}`, makeVector(Float64Array.from({ length: n }, (_, i) => i + c))]));
  const table = new Table(cols);
  const sumAll = () => {
    let s = 0;
    for (const f of table.schema.fields) {
      const v = table.getChild(f.name).data[0].values;
      for (let i = 0; i < v.length; i++) s += v[i];
    }
    sink += s;
  };
  const [tFp, tSum] = await sideBySide(7, [() => mustHash(table), sumAll]);
  const mb = 80;
  results.arrow = { rows: n, columns: 10, mb, fingerprintMs: tFp, sumMs: tSum, mbPerSecond: mb / (tFp / 1000), fingerprintOverSum: tFp / tSum };
  row("Arrow Table 1M x 10 f64 (80 MB): fingerprint", tFp, "ms", `${fmt(mb / (tFp / 1000))} MB/s`);
  row("Arrow Table 1M x 10: sum of every column", tSum, "ms");
  row("Arrow Table: fingerprint / sum", tFp / tSum, "x");

  // the same table as a cache hit from a FileCacheStore: read, decode (no copy), check its data version
  const dir = await mkdtemp(join(tmpdir(), "hamilton-cache-bench-"));
  try {
    const graph = new FunctionGraph(nodesFromModules([{ name: "bench", exports: { table: function table() { return new Table(cols); } } }], {}));
    const store = new FileCacheStore(dir);
    const node = graph.get("table");
    let runs = 0;
    const once = async () => {
      const engine = new CacheEngine(graph, { store });
      const cache = engine.beginRun(`hit-${runs++}`);
      const plan = await cache.planTask({ taskId: "table", nodes: [node], inputs: {} });
      if (plan.run.length > 0) cache.recordTask(plan, { table: node.spec.fn() });
      await cache.finish();
      return plan;
    };
    await once(); // stores it
    const [tHit, tSum2] = await sideBySide(5, [
      async () => {
        if ((await once()).hits.size !== 1) throw new Error("expected a hit");
      },
      sumAll,
    ]);
    results.arrowFileHit = { hitMs: tHit, sumMs: tSum2, hitOverSum: tHit / tSum2 };
    row("Arrow Table 1M x 10: cache hit from FileCacheStore (read, decode, verify)", tHit, "ms");
    row("Arrow Table: file hit / sum", tHit / tSum2, "x");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// (c) a 100,000-row x 10-column danfo DataFrame
{
  const n = 100_000;
  const data = Object.fromEntries(Array.from({ length: 10 }, (_, c) => [`c${c}`, Array.from({ length: n }, (_, i) => i * (c + 1) * 0.5)]));
  const frame = new DataFrame(data);
  const danfoSum = () => {
    sink += frame.sum({ axis: 0 }).values.length;
  };
  const [tFp, tSum] = await sideBySide(5, [() => mustHash(frame), danfoSum]);
  const mb = (n * 10 * 8) / 1e6;
  results.danfo = { rows: n, columns: 10, fingerprintMs: tFp, danfoSumMs: tSum, mbPerSecond: mb / (tFp / 1000), fingerprintOverSum: tFp / tSum };
  row("danfo 100k x 10: fingerprint", tFp, "ms", `${fmt(mb / (tFp / 1000))} MB/s of numbers`);
  row("danfo 100k x 10: frame.sum({ axis: 0 })", tSum, "ms");
  row("danfo: fingerprint / sum", tFp / tSum, "x");
}

// (d) cache cost per node for small values: a chain of 2,000 nodes, one task each
{
  const size = 2_000;
  const mod = { n0: function n0(seed) { return { v: seed, label: "start" }; } };
  for (let i = 1; i < size; i++) mod[`n${i}`] = new Function(`n${i - 1}`, `return { v: n${i - 1}.v + ${i}, label: "n${i}" };`);
  const graph = new FunctionGraph(nodesFromModules([{ name: "chain", exports: mod }], {}));
  const order = graph.order.filter((n) => !n.isInput);
  const plainRun = () => {
    const env = new Map([["seed", 1]]);
    for (const n of order) env.set(n.name, n.spec.fn(...n.deps.map((d) => env.get(d))));
    sink += env.get(`n${size - 1}`).v;
  };
  let runs = 0;
  const cachedRun = async (engine) => {
    const cache = engine.beginRun(`chain-${runs++}`);
    const env = new Map([["seed", 1]]);
    for (const n of order) {
      const plan = await cache.planTask({ taskId: n.name, nodes: [n], inputs: { [n.deps[0]]: env.get(n.deps[0]) } });
      if (plan.run.length === 0) {
        env.set(n.name, plan.hits.get(n.name));
        continue;
      }
      const v = n.spec.fn(...n.deps.map((d) => env.get(d)));
      env.set(n.name, v);
      cache.recordTask(plan, { [n.name]: v });
    }
    await cache.finish();
    sink += env.get(`n${size - 1}`).v;
  };
  const missRun = () => cachedRun(new CacheEngine(graph)); // a fresh in-memory store: every node misses and is stored
  const warm = new CacheEngine(graph);
  await cachedRun(warm);
  const hitRun = () => cachedRun(warm); // every node a hit
  const [tPlain, tMiss, tHit] = await sideBySide(5, [plainRun, missRun, hitRun]);
  const per = (ms) => (ms * 1000) / size;
  results.perNode = { nodes: size, plainUs: per(tPlain), missUs: per(tMiss), hitUs: per(tHit) };
  row(`chain of ${size} small nodes, uncached: per node`, per(tPlain), "µs");
  row("  cached, every node a miss (key, fingerprint, copy, store): per node", per(tMiss), "µs");
  row("  cached, every node a hit (key, lookup, decode, verify): per node", per(tHit), "µs");
  const small = { v: 12345, label: "a small value", tags: ["x", "y"] };
  const [tSmall] = await sideBySide(5, [async () => { for (let i = 0; i < 10_000; i++) await mustHash(small); }]);
  results.smallFingerprintUs = (tSmall * 1000) / 10_000;
  row("fingerprint of a small object", (tSmall * 1000) / 10_000, "µs");
}

// (e) the figure, through the real Driver: a 10,000-node chain re-run fully cached vs uncached
{
  const size = 10_000;
  const mod = {};
  for (let i = 0; i < size; i++) {
    const f = i === 0 ? function (seed) { return { v: seed, label: "start" }; } : new Function(`n${i - 1}`, `return { v: n${i - 1}.v + ${i}, label: "n${i}" };`);
    Object.defineProperty(f, "name", { value: `n${i}` });
    mod[`n${i}`] = f;
  }
  const out = [`n${size - 1}`];
  const opts = { inputs: { seed: 1 } };
  const plain = await new Builder().withModules(mod).build();
  const cached = await new Builder().withModules(mod).withCache().build();
  const dPlain = await new Builder().withModules(mod).enableDynamicExecution().build();
  const dCached = await new Builder().withModules(mod).withCache().enableDynamicExecution().build();
  for (const d of [cached, dCached]) await d.execute(out, opts); // fills the cache: the timed runs are all hits
  const [tPlain, tCached, tDPlain, tDCached] = await sideBySide(9, [plain, cached, dPlain, dCached].map((d) => () => d.execute(out, opts)));
  if (cached.cache.logs().some((e) => e.type !== "hit")) throw new Error("expected every node a hit");
  const per = (ms) => (ms * 1000) / size;
  results.driverChain = {
    nodes: size,
    classicUncachedUs: per(tPlain),
    classicCachedUs: per(tCached),
    classicOverheadUs: per(tCached - tPlain),
    dynamicUncachedUs: per(tDPlain),
    dynamicCachedUs: per(tDCached),
    dynamicOverheadUs: per(tDCached - tDPlain),
  };
  row(`Driver, ${size}-node chain, classic: uncached run, per node`, per(tPlain), "µs");
  row("  re-run fully cached (every node a hit, none runs), per node", per(tCached), "µs");
  row("  cache overhead per node", per(tCached - tPlain), "µs");
  row(`Driver, ${size}-node chain, dynamic (one task per node): uncached, per node`, per(tDPlain), "µs");
  row("  re-run fully cached, per node", per(tDCached), "µs");
  row("  cache overhead per node", per(tDCached - tDPlain), "µs");
}

// (f) resume after failure: 10,000 branches of which 10 failed, re-run after the fix, vs a full re-run
{
  const n = 10_000;
  const broken = new Set();
  const work = (x) => {
    let s = 0;
    for (let k = 0; k < 20_000; k++) s += Math.sqrt(x + k);
    return s;
  };
  const mod = {
    items: parallelizable(function items(n) { return Array.from({ length: n }, (_, i) => i); }),
    value: function value(items) {
      if (broken.has(items)) throw new Error(`item ${items} is broken`);
      return work(items);
    },
    total: collect("value", function total(value) { return value.reduce((a, b) => a + b, 0); }),
  };
  const inputs = { inputs: { n } };
  const full = await new Builder().withModules(mod).enableDynamicExecution().build();
  let resumed;
  const prepare = async () => {
    // a run that failed in 10 branches (not timed), then the fix
    resumed = await new Builder().withModules(mod).withCache().enableDynamicExecution().build();
    for (let i = 0; i < 10; i++) broken.add(i * 997);
    await resumed.execute(["total"], inputs).then(() => { throw new Error("expected failures"); }, () => undefined);
    broken.clear();
  };
  const times = { full: [], resume: [] };
  for (let r = 0; r < 3; r++) {
    globalThis.gc?.();
    let t = performance.now();
    await full.execute(["total"], inputs);
    times.full.push(performance.now() - t);
    await prepare();
    globalThis.gc?.();
    t = performance.now();
    await resumed.execute(["total"], inputs);
    times.resume.push(performance.now() - t);
    const ran = resumed.cache.logs().filter((e) => e.nodeName === "value" && e.type === "miss").length;
    if (ran !== 10) throw new Error(`expected 10 branches to run, ${ran} did`);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const tFull = med(times.full);
  const tResume = med(times.resume);
  results.resume = { branches: n, failed: 10, fullRunMs: tFull, resumedRunMs: tResume, resumedOverFull: tResume / tFull };
  row(`map-reduce ${n} branches (20,000 sqrt each, ~0.1 ms): full run, uncached`, tFull, "ms");
  row("  resumed run after 10 branches failed and were fixed (10 run, the rest hits)", tResume, "ms");
  row("  resumed / full", tResume / tFull, "x");
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${"benchmark".padEnd(width)}  ${"value".padStart(8)}  unit  note`);
for (const [what, value, unit, note] of rows) console.log(`${what.padEnd(width)}  ${value.padStart(8)}  ${unit.padEnd(4)}  ${note}`);
console.log(JSON.stringify({ bench: "cache", node: process.version, ...results }));
if (sink === 0.5) console.log(""); // keep the sums alive

// Parallel executors on one machine, against the kernel's synchronous executor:
// - CPU-bound map-reduce (16 items x ~200 ms): speedup
// - 100,000 and 1,000,000 trivial items: items/s, the ratio to the synchronous (in-thread)
//   executor, and the gap to the floor: piscina with the items batched by hand (1,000 per task)
// - a single tiny task: round-trip latency (warm pool)
// - 10 overlapping runs vs the same 10 in a row (warm pool)
// - a hung worker: time from its task's timeout to the rejection, and the next run's extra time (replacement)
// - cold start of a file-processing pipeline with a DataFrame result, in a fresh process
// To add an executor, append an entry to `executors` below. `--baseline <checkout>` adds rows for
// the thread executor of another built checkout (e.g. main), loaded in this same process.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Builder, DefaultExecutionManager, SynchronousLocalTaskExecutor } from "@hamilton-ts/kernel";
import { faultsModule } from "@hamilton-ts/kernel/testing";
import { MultiThreadingExecutor } from "@hamilton-ts/executor-threads";
import { MultiProcessingExecutor } from "@hamilton-ts/executor-cluster";
import { Piscina } from "piscina";

const pipeline = (name) => new URL(`./pipelines/${name}.mjs`, import.meta.url);
const now = () => performance.now();
const gc = () => globalThis.gc?.();
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const baselineAt = args.indexOf("--baseline");
const baseline = baselineAt >= 0 ? args[baselineAt + 1] : undefined;
// `--only trivial,cpu`: run only these sections (cpu, trivial, latency, concurrent, hung, cold)
const onlyAt = args.indexOf("--only");
const sections = onlyAt >= 0 ? args[onlyAt + 1].split(",") : undefined;
const want = (section) => sections === undefined || sections.includes(section);

/**
 * Executors under test: `make()` returns a fresh executor (its pool is reused
 * across the runs of one section and closed at the end of it).
 */
const executors = [
  { name: "threads", label: "MultiThreadingExecutor({ maxTasks: 2 })", make: (o = {}) => new MultiThreadingExecutor({ maxTasks: 2, ...o }) },
  { name: "processes", label: "MultiProcessingExecutor({ maxTasks: 2 })", make: (o = {}) => new MultiProcessingExecutor({ maxTasks: 2, ...o }) },
];
const only = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--baseline" && args[i - 1] !== "--only");
const selected = executors.filter((e) => only.length === 0 || only.includes(e.name));

async function driver(module, executor) {
  return new Builder().withModules(pipeline(module)).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(executor).build();
}

/** This thread's time on a CPU so far (ms), where Linux tells it (`/proc/self/task/<tid>/schedstat`); else undefined. */
function threadCpuMs() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Best and median of `reps` timed runs (after `warm` untimed ones), in ms; `cpu`: the calling thread's CPU time in the median run. */
async function time(reps, warm, fn) {
  for (let i = 0; i < warm; i++) await fn();
  const runs = [];
  for (let i = 0; i < reps; i++) {
    gc();
    const c = threadCpuMs();
    const t = now();
    await fn();
    runs.push({ ms: now() - t, cpu: c === undefined ? undefined : threadCpuMs() - c });
  }
  runs.sort((a, b) => a.ms - b.ms);
  const mid = runs[Math.floor(runs.length / 2)];
  return { best: runs[0].ms, median: mid.ms, cpu: mid.cpu };
}

const results = { machine: { cpus: (await import("node:os")).cpus().length, node: process.version }, cpu: {}, trivial: {}, latency: {}, concurrent: {}, hung: {}, coldStart: {} };
const rows = [];

// ---- CPU-bound: 16 x ~200 ms ---------------------------------------------------
if (want("cpu")) {
  const count = quick ? 8 : 16;
  const inputs = { count, work_ms: 200 };
  const sync = await driver("cpu-map-reduce", new SynchronousLocalTaskExecutor());
  const base = await time(1, 0, () => sync.execute(["checksum"], { inputs }));
  results.cpu.sync = { ms: base.best };
  rows.push([`cpu ${count}x200ms`, "SynchronousLocalTaskExecutor", `${base.best.toFixed(0)} ms`, "1.00x"]);
  for (const e of selected) {
    const ex = e.make();
    const dr = await driver("cpu-map-reduce", ex);
    const t = await time(quick ? 1 : 2, 0, () => dr.execute(["checksum"], { inputs }));
    await dr.close();
    const speedup = base.best / t.best;
    results.cpu[e.name] = { ms: t.best, speedup };
    rows.push([`cpu ${count}x200ms`, e.label, `${t.best.toFixed(0)} ms`, `${speedup.toFixed(2)}x`]);
  }
}

// ---- 100,000 and 1,000,000 trivial items ------------------------------------------
// The floor: the same items doubled and summed by piscina with 1,000 items per task (hand-batched:
// one message per 1,000 items, no per-item scheduling, hooks or error attribution).
async function piscinaFloor(count, perTask) {
  const pool = new Piscina({ filename: fileURLToPath(pipeline("piscina-double")), minThreads: 2, maxThreads: 2 });
  const once = async () => {
    const jobs = [];
    for (let from = 0; from < count; from += perTask) {
      const chunk = new Array(Math.min(perTask, count - from));
      for (let i = 0; i < chunk.length; i++) chunk[i] = from + i;
      jobs.push(pool.run(chunk));
    }
    let s = 0;
    for (const out of await Promise.all(jobs)) for (const v of out) s += v;
    if (s !== count * (count - 1)) throw new Error(`piscina floor: wrong total ${s}`);
  };
  const t = await time(3, 1, once);
  await pool.destroy();
  return t;
}

async function baselineDriver(root) {
  const k = await import(new URL(`${root}/packages/kernel/dist/index.js`, "file:///").href);
  const th = await import(new URL(`${root}/packages/executor-threads/dist/index.js`, "file:///").href);
  return new k.Builder()
    .withModules(pipeline("trivial-map-reduce"))
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withRemoteExecutor(new th.MultiThreadingExecutor({ maxTasks: 2 }))
    .build();
}

for (const count of want("trivial") ? (quick ? [20_000] : [100_000, 1_000_000]) : []) {
  const inputs = { count };
  const reps = count > 100_000 ? 2 : 3;
  const label = `${count} trivial items`;
  const sync = await driver("trivial-map-reduce", new SynchronousLocalTaskExecutor());
  const base = await time(reps, 1, () => sync.execute(["total"], { inputs }));
  const baseRate = count / (base.best / 1000);
  const floor = await piscinaFloor(count, 1000);
  const floorRate = count / (floor.best / 1000);
  // the calling thread's CPU per item says where its time goes, whatever else the machine runs
  const perItem = (t) => (t.cpu === undefined ? "" : `, calling thread ${((t.cpu * 1e6) / count).toFixed(0)} ns/item`);
  const row = (who, rate, t) => [label, who, `${Math.round(rate)} items/s`, `${((100 * rate) / baseRate).toFixed(0)}% of in-thread, floor/this ${(floorRate / rate).toFixed(1)}x${perItem(t)}`];
  const out = (results.trivial[count] = { sync: { ms: base.best, itemsPerSec: baseRate }, piscina: { ms: floor.best, itemsPerSec: floorRate, itemsPerTask: 1000 } });
  rows.push(row("SynchronousLocalTaskExecutor (in-thread)", baseRate, base));
  rows.push(row("floor: piscina, 2 threads, 1,000 items per task", floorRate, floor));
  const contenders = selected.map((e) => ({ name: e.name, label: e.label, make: async () => driver("trivial-map-reduce", e.make()) }));
  if (baseline) contenders.push({ name: "baseline-threads", label: `baseline ${baseline}: MultiThreadingExecutor({ maxTasks: 2 })`, make: () => baselineDriver(baseline) });
  for (const c of contenders) {
    const dr = await c.make();
    const t = await time(reps, 1, () => dr.execute(["total"], { inputs }));
    await dr.close();
    const rate = count / (t.best / 1000);
    out[c.name] = { ms: t.best, itemsPerSec: rate, ofSync: rate / baseRate, floorGap: floorRate / rate, cpuNsPerItem: t.cpu === undefined ? undefined : (t.cpu * 1e6) / count };
    rows.push(row(c.label, rate, t));
  }
}

// ---- one tiny task: round-trip latency (warm pool) --------------------------------
if (want("latency")) {
  const reps = quick ? 50 : 200;
  const sync = await driver("tiny-task", new SynchronousLocalTaskExecutor());
  const base = await time(reps, 20, () => sync.execute(["result"], { inputs: { x: 1 } }));
  results.latency.sync = { medianMs: base.median };
  rows.push(["single tiny task (median run)", "SynchronousLocalTaskExecutor", `${(base.median * 1000).toFixed(0)} µs`, ""]);
  for (const e of selected) {
    const ex = e.make();
    const dr = await driver("tiny-task", ex);
    const t = await time(reps, 20, () => dr.execute(["result"], { inputs: { x: 1 } }));
    await dr.close();
    results.latency[e.name] = { medianMs: t.median, bestMs: t.best, overMs: t.median - base.median };
    rows.push(["single tiny task (median run)", e.label, `${(t.median * 1000).toFixed(0)} µs`, `+${((t.median - base.median) * 1000).toFixed(0)} µs`]);
  }
}

// ---- 10 overlapping runs vs 10 in a row (every task on the executor, warm pool) ----------
if (want("concurrent")) {
  const runs = 10;
  const inputs = (i) => ({ count: 8, work_ms: 10 + i });
  for (const e of selected) {
    const ex = e.make();
    const dr = await new Builder()
      .withModules(pipeline("cpu-map-reduce"))
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withExecutionManager(new DefaultExecutionManager({ localExecutor: ex, remoteExecutor: ex }))
      .build();
    await dr.execute(["checksum"], { inputs: inputs(0) }); // warm
    const inRow = await time(quick ? 1 : 3, 0, async () => {
      for (let i = 0; i < runs; i++) await dr.execute(["checksum"], { inputs: inputs(i) });
    });
    const atOnce = await time(quick ? 1 : 3, 0, () => Promise.all(Array.from({ length: runs }, (_, i) => dr.execute(["checksum"], { inputs: inputs(i) }))));
    await dr.close();
    results.concurrent[e.name] = { inRowMs: inRow.best, atOnceMs: atOnce.best, ratio: inRow.best / atOnce.best };
    rows.push([`${runs} runs at once vs in a row`, e.label, `${atOnce.best.toFixed(0)} vs ${inRow.best.toFixed(0)} ms`, `${(inRow.best / atOnce.best).toFixed(2)}x`]);
  }
}

// ---- a hung worker: detection and replacement ---------------------------------------------
if (want("hung")) {
  const timeoutMs = 300;
  for (const e of selected) {
    const ex = e.make({ taskTimeoutMs: timeoutMs });
    const dr = await new Builder().withModules(faultsModule).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(ex).build();
    const healthy = { count: 2, stuck_at: -1 };
    const warm = await time(3, 1, () => dr.execute(["unstuck"], { inputs: healthy }));
    const detect = [];
    const replace = [];
    for (let i = 0; i < (quick ? 2 : 4); i++) {
      const t0 = now();
      const error = await dr.execute(["unstuck"], { inputs: { count: 2, stuck_at: 1 } }).then(() => undefined, (err) => err);
      if (error?.name !== "TimeoutError") throw new Error(`expected a TimeoutError, got ${error}`);
      detect.push(now() - t0 - timeoutMs);
      const t1 = now();
      await dr.execute(["unstuck"], { inputs: healthy });
      replace.push(now() - t1 - warm.median);
    }
    await dr.close();
    const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
    results.hung[e.name] = { timeoutMs, detectMs: med(detect), replaceMs: med(replace) };
    rows.push([`hung worker (taskTimeoutMs ${timeoutMs})`, e.label, `+${med(detect).toFixed(0)} ms to reject`, `+${med(replace).toFixed(0)} ms next run`]);
  }
}

// ---- cold start: file processing with a DataFrame result, in a fresh process --------------
// Workers preload the codec modules the driver registered (here danfo and TensorFlow) until
// the kernel loads codecs only when a value needs them. Under this workspace's pnpm layout a
// thread worker cannot resolve @hamilton-ts/results-dataframe from the kernel and skips it,
// so its figure here is what lazy loading gives; a flat npm install pays the preload.
if (want("cold")) {
  const script = fileURLToPath(new URL("./pipelines/cold-start.mjs", import.meta.url));
  const wall = (kind) => {
    const ms = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      const t0 = now();
      const r = spawnSync(process.execPath, [script, kind], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`cold start (${kind}) failed: ${r.stderr}`);
      ms.push(now() - t0);
    }
    return ms.sort((a, b) => a - b)[ms.length >> 1];
  };
  const base = wall("sync");
  results.coldStart.sync = { ms: base };
  rows.push(["cold start, DataFrame result (process wall)", "SynchronousLocalTaskExecutor", `${base.toFixed(0)} ms`, "1.00x"]);
  for (const e of selected) {
    const ms = wall(e.name);
    results.coldStart[e.name] = { ms, ofSync: ms / base };
    rows.push(["cold start, DataFrame result (process wall)", `${e.label.replace(/\(.*\)/, "()")} (default maxTasks)`, `${ms.toFixed(0)} ms`, `${(ms / base).toFixed(2)}x`]);
  }
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 8));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
console.log(JSON.stringify({ bench: "executors", ...results }));

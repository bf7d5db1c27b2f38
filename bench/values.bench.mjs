// Values that cross: encode → cross → decode, against the floor (the same value
// through structured clone or v8 serialization with no codec at all).
//
//   node --expose-gc bench/values.bench.mjs
//   HAMILTON_KERNEL_BEFORE=/path/to/old/kernel/dist/remote.js node --expose-gc bench/values.bench.mjs
//
// Values: a 2^20-shared-reference value (20 levels of { l: x, r: x }: 21
// objects, 2^20 paths) and a 1,000,000-node cyclic graph (every node points
// back to the graph and to earlier nodes). The floor and this kernel run
// interleaved in one child process per row (medians of 5, or 3 for the graph); the old kernel, if
// given, in its own child, stopped after TIMEOUT_MS (a hang is reported as
// such). Prints a table and a JSON line.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";

const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 60_000);
const self = fileURLToPath(import.meta.url);

const values = {
  "2^20 shared references": () => {
    let x = { leaf: 1 };
    for (let i = 0; i < 20; i++) x = { l: x, r: x };
    return x;
  },
  "1M-node cyclic graph": () => {
    const graph = { name: "g", nodes: [] };
    for (let i = 0; i < 1_000_000; i++) graph.nodes.push({ id: i, graph, prev: graph.nodes[i - 1], peer: graph.nodes[i >> 1] });
    return graph;
  },
};

const crossings = {
  "structured clone": (wire) => structuredClone(wire),
  "v8 serialize": (wire) => deserialize(serialize(wire)),
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Child: round trips of one value through one crossing, for each implementation named, interleaved (A, B, A, B, …). */
async function child([, , , implsText, valueName, crossingName, repsText]) {
  const cross = crossings[crossingName];
  const trips = [];
  for (const impl of implsText.split(",")) {
    if (impl === "floor") trips.push((v) => cross(v));
    else {
      const { encodeValue, decodeValue } = await import(impl);
      trips.push((v) => decodeValue(cross(encodeValue(v, { nodeName: "bench" }).value)));
    }
  }
  const value = values[valueName]();
  const reps = Number(repsText);
  const times = trips.map(() => []);
  const kept = trips.map(() => true);
  // one warm-up round, then `reps` interleaved rounds (a single round when reps is 1: the old code may take minutes)
  for (let r = 0; r <= reps; r++) {
    trips.forEach((trip, i) => {
      globalThis.gc?.();
      const t = performance.now();
      const back = trip(value);
      const ms = performance.now() - t;
      if (r > 0 || reps === 1) times[i].push(ms);
      kept[i] &&= valueName.startsWith("2^20") ? back.l === back.r && back.l.l === back.l.r : back.nodes[5].graph === back && back.nodes[5].prev === back.nodes[4];
    });
    if (reps === 1) break;
  }
  process.stdout.write(JSON.stringify(times.map((t, i) => ({ ms: median(t), sharingKept: kept[i] }))));
}

function measure(impls, valueName, crossingName, reps, timeout) {
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=4096", self, "--child", impls.join(","), valueName, crossingName, String(reps)], {
    timeout,
    encoding: "utf8",
  });
  if (r.error?.code === "ETIMEDOUT" || r.signal === "SIGTERM") return impls.map(() => ({ timedOut: true }));
  if (r.status !== 0) return impls.map(() => ({ failed: (r.stderr || "").split("\n").find((l) => /Error/.test(l)) ?? `exit ${r.status}` }));
  return JSON.parse(r.stdout);
}

async function main() {
  const before = process.env.HAMILTON_KERNEL_BEFORE;
  const after = "@hamilton-ts/kernel/remote";
  const rows = [];
  const results = {};
  for (const valueName of Object.keys(values)) {
    for (const crossingName of Object.keys(crossings)) {
      const reps = valueName.startsWith("1M") ? 3 : 5;
      const [floor, now] = measure(["floor", after], valueName, crossingName, reps, 10 * 60_000);
      const old = before ? measure([before], valueName, crossingName, 1, TIMEOUT_MS)[0] : undefined;
      const key = `${valueName} / ${crossingName}`;
      results[key] = { floor, after: now, ...(old ? { before: old } : {}) };
      const fmt = (m) => (m === undefined ? "—" : m.timedOut ? `> ${TIMEOUT_MS / 1000} s (stopped)` : m.failed ? `failed: ${m.failed}` : `${m.ms.toFixed(m.ms < 10 ? 2 : 0)} ms`);
      const ratio = (m) => (m && m.ms !== undefined && floor.ms ? `${(m.ms / floor.ms).toFixed(2)}×` : "—");
      rows.push([key, fmt(floor), fmt(now), ratio(now), fmt(old), old ? ratio(old) : "—", String(now.sharingKept ?? "—")]);
    }
  }
  const head = ["value / crossing", "floor (no codec)", "after", "after ÷ floor", "before", "before ÷ floor", "sharing kept"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  console.log(JSON.stringify({ bench: "values", timeoutMs: TIMEOUT_MS, results }));
}

if (process.argv[2] === "--child") await child(process.argv);
else await main();

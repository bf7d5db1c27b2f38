// Values that cross: encode → cross → decode, against the floor (the same value
// through structured clone or v8 serialization with no codec at all).
//
//   node --expose-gc bench/values.bench.mjs
//   HAMILTON_KERNEL_BEFORE=/path/to/old/kernel/dist/remote.js node --expose-gc bench/values.bench.mjs
//
// Values: a 2^20-shared-reference value (20 levels of { l: x, r: x }: 21
// objects, 2^20 paths) and a 1,000,000-node cyclic graph (every node points
// back to the graph and to earlier nodes). Each measurement runs in its own
// child process (a hung one is stopped after TIMEOUT_MS and reported as such),
// one after the other in one run; figures are medians. Prints a table and a
// JSON line.
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

async function child([, , , impl, valueName, crossingName, repsText]) {
  const make = values[valueName];
  const cross = crossings[crossingName];
  let roundTrip;
  if (impl === "floor") roundTrip = (v) => cross(v);
  else {
    const { encodeValue, decodeValue } = await import(impl);
    roundTrip = (v) => decodeValue(cross(encodeValue(v, { nodeName: "bench" }).value));
  }
  const value = make();
  const reps = Number(repsText);
  const times = [];
  let check;
  for (let r = 0; r <= reps; r++) {
    globalThis.gc?.();
    const t = performance.now();
    const back = roundTrip(value);
    const ms = performance.now() - t;
    if (r > 0 || reps === 1) times.push(ms); // the first of several is a warm-up
    check = valueName.startsWith("2^20") ? back.l === back.r && back.l.l === back.l.r : back.nodes[5].graph === back && back.nodes[5].prev === back.nodes[4];
    if (reps === 1) break;
  }
  process.stdout.write(JSON.stringify({ ms: median(times), sharingKept: check }));
}

function measure(impl, valueName, crossingName, reps) {
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=4096", self, "--child", impl, valueName, crossingName, String(reps)], {
    timeout: TIMEOUT_MS,
    encoding: "utf8",
  });
  if (r.error?.code === "ETIMEDOUT" || r.signal === "SIGTERM") return { timedOut: true };
  if (r.status !== 0) return { failed: (r.stderr || "").split("\n").find((l) => /Error/.test(l)) ?? `exit ${r.status}` };
  return JSON.parse(r.stdout);
}

async function main() {
  const before = process.env.HAMILTON_KERNEL_BEFORE;
  const after = "@hamilton-ts/kernel/remote";
  const rows = [];
  const results = {};
  for (const valueName of Object.keys(values)) {
    for (const crossingName of Object.keys(crossings)) {
      const floor = measure("floor", valueName, crossingName, 5);
      const now = measure(after, valueName, crossingName, 5);
      const old = before ? measure(before, valueName, crossingName, 1) : undefined;
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

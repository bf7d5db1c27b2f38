// Result-builder benchmarks: ArrowTableResult zero-copy vs copied columns,
// DataFrameResult vs building the danfo DataFrame directly, and an Arrow Table's
// codec round trip to a worker thread vs structured clone of the raw arrays.
// Each pair runs interleaved (A, B, A, B, ...) so both see the same machine load;
// figures are medians. Prints a table and a JSON line.
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { decodeValue, encodeValue } from "@hamilton-ts/kernel/remote";
import { ArrowTableResult } from "@hamilton-ts/results-arrow";
import { sideBySide } from "./side-by-side.mjs";

if (!isMainThread) {
  // worker: echo what arrives, as the thread executor would carry a task's inputs and outputs
  parentPort.on("message", ({ kind, payload }) => {
    if (kind === "codec") {
      const table = decodeValue(payload); // every codec is registered: this module imported the package
      const wire = encodeValue(table, { transfer: true });
      parentPort.postMessage(wire.value, wire.transfer);
    } else parentPort.postMessage(payload); // structured clone: copies
  });
} else {
  await main();
}

async function main() {
  const { DataFrameResult } = await import("@hamilton-ts/results-dataframe");
  const { DataFrame } = await import("danfojs-node");
  const results = {};
  const rows = [];
  const row = (what, value, unit, target = "") => rows.push([what, value < 10 ? value.toFixed(2) : value.toFixed(0), unit, target]);
  const columnsOf = (n, make) => Object.fromEntries(Array.from({ length: 10 }, (_, c) => [`c${c}`, make(n, c)]));

  // (a) ArrowTableResult, 1,000,000 rows x 10 Float64 columns
  {
    const n = 1_000_000;
    const outputs = columnsOf(n, (len, c) => Float64Array.from({ length: len }, (_, i) => i * (c + 1) + 0.5));
    const copiedOutputs = () => Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.slice()]));
    const zeroCopy = () => ArrowTableResult.buildResult(outputs);
    const table = zeroCopy();
    const sameMemory = Object.entries(outputs).every(([k, v]) => table.getChild(k).data[0].values === v);
    const [tZero, tCopied] = await sideBySide(7, [zeroCopy, () => ArrowTableResult.buildResult(copiedOutputs())]);
    results.arrow = { rows: n, columns: 10, zeroCopyMs: tZero, copiedMs: tCopied, copiedOverZeroCopy: tCopied / tZero, sameMemory };
    row("arrow 1M x 10 f64: zero-copy build", tZero, "ms");
    row("arrow 1M x 10 f64: build from copied arrays", tCopied, "ms");
    row("arrow: copied / zero-copy", tCopied / tZero, "x", "> 1");
    row("arrow: Table buffers are the outputs' memory", sameMemory ? 1 : 0, "bool", "1");
  }

  // (b) DataFrameResult, 100,000 rows x 10 columns vs new DataFrame(columns)
  {
    const n = 100_000;
    const outputs = columnsOf(n, (len, c) => Array.from({ length: len }, (_, i) => (c % 2 ? i * 0.5 : i)));
    const [tResult, tDirect] = await sideBySide(5, [() => DataFrameResult.buildResult(outputs), () => new DataFrame(outputs)]);
    results.dataframe = { rows: n, columns: 10, resultMs: tResult, directMs: tDirect, resultOverDirect: tResult / tDirect };
    row("danfo 100k x 10: DataFrameResult", tResult, "ms");
    row("danfo 100k x 10: new DataFrame(columns)", tDirect, "ms");
    row("danfo: DataFrameResult / direct", tResult / tDirect, "x", "<= 1.2");
  }

  // (c) codec round trip of a 1,000,000-row Arrow Table to a worker and back
  {
    const n = 1_000_000;
    const columns = columnsOf(n, (len, c) => Float64Array.from({ length: len }, (_, i) => i + c));
    const worker = new Worker(new URL(import.meta.url));
    let pending;
    worker.on("message", (m) => pending.resolve(m));
    worker.on("error", (e) => pending.reject(e));
    const ask = (message, transfer) =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage(message, transfer);
      });
    const viaCodec = async () => {
      const wire = encodeValue(ArrowTableResult.buildResult(columns), { transfer: true });
      const back = decodeValue(await ask({ kind: "codec", payload: wire.value }, wire.transfer));
      if (back.numRows !== n) throw new Error("codec round trip lost rows");
    };
    const viaClone = async () => {
      const back = await ask({ kind: "clone", payload: columns });
      if (back.c9.length !== n) throw new Error("clone round trip lost rows");
    };
    try {
      const [tCodec, tClone] = await sideBySide(5, [viaCodec, viaClone]);
      results.codec = { rows: n, columns: 10, codecMs: tCodec, cloneMs: tClone, codecOverClone: tCodec / tClone };
      row("arrow table to worker and back: IPC codec, transferred", tCodec, "ms");
      row("raw Float64Arrays to worker and back: structured clone", tClone, "ms");
      row("codec / clone", tCodec / tClone, "x");
    } finally {
      await worker.terminate();
    }
  }

  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`${"benchmark".padEnd(width)}  ${"value".padStart(8)}  unit  target`);
  for (const [what, value, unit, target] of rows) console.log(`${what.padEnd(width)}  ${value.padStart(8)}  ${unit.padEnd(4)}  ${target}`);
  console.log(JSON.stringify({ bench: "results", node: process.version, ...results }));
}

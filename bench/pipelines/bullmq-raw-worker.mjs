// Raw BullMQ floor for the benchmark: `node bullmq-raw-worker.mjs <redis-url> <queue> <concurrency>`.
// Each job's data is an array of items; the processor returns them plus one, in the worker's own event loop.
import { Worker } from "bullmq";

const [url, queueName, concurrency] = process.argv.slice(2);
const { hostname: host, port } = new URL(url);
const w = new Worker(queueName, async (job) => job.data.map((x) => x + 1), {
  connection: { host, port: Number(port), maxRetriesPerRequest: null },
  concurrency: Number(concurrency),
});
await w.waitUntilReady();
console.log("READY");
process.on("SIGTERM", async () => {
  await w.close();
  process.exit(0);
});

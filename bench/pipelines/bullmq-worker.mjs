// Benchmark worker process: `node bullmq-worker.mjs <redis-url> <queue> <concurrency> <module>...`.
import { startWorker } from "@hamilton-ts/executor-cluster/bullmq";

const [url, queueName, concurrency, ...modules] = process.argv.slice(2);
const w = await startWorker({ connection: url, queueName, modules, concurrency: Number(concurrency) });
console.log("READY");
process.on("SIGTERM", async () => {
  await w.close();
  process.exit(0);
});

// Shared by the benchmarks that run one workload under every executor: each
// entry's `make()` resolves to `{ ex, stop? }` (or undefined when it cannot run
// here, e.g. BullMQ without redis-server). `pick(names)` keeps those named on
// the command line (all when none).
import { ConcurrentLocalTaskExecutor, SynchronousLocalTaskExecutor } from "@hamilton-ts/kernel";
import { MultiThreadingExecutor } from "@hamilton-ts/executor-threads";
import { MultiProcessingExecutor } from "@hamilton-ts/executor-cluster";
import { BullMQExecutor } from "@hamilton-ts/executor-cluster/bullmq";
import { REDIS, startRedis, startWorkers, stopWorkers } from "./redis.mjs";

/** Every executor, BullMQ with two worker processes serving `pipeline` on a throwaway redis-server. */
export const allExecutors = (pipeline) => [
  { name: "sync", label: "SynchronousLocalTaskExecutor", make: async () => ({ ex: new SynchronousLocalTaskExecutor() }) },
  { name: "concurrent", label: "ConcurrentLocalTaskExecutor(10)", make: async () => ({ ex: new ConcurrentLocalTaskExecutor(10) }) },
  { name: "threads", label: "MultiThreadingExecutor({ maxTasks: 2 })", make: async () => ({ ex: new MultiThreadingExecutor({ maxTasks: 2 }) }) },
  { name: "processes", label: "MultiProcessingExecutor({ maxTasks: 2 })", make: async () => ({ ex: new MultiProcessingExecutor({ maxTasks: 2 }) }) },
  {
    name: "bullmq",
    label: "BullMQExecutor (2 worker processes)",
    make: async () => {
      if (!REDIS) return undefined;
      const url = await startRedis();
      const queueName = `bench-${process.pid}`;
      const workers = await startWorkers(url, queueName, 1, pipeline);
      return { ex: new BullMQExecutor({ connection: url, queueName }), stop: () => stopWorkers(workers) };
    },
  },
];

/** The executors whose names are in `names` (all of `list` when `names` is empty). */
export const pick = (list, names) => list.filter((e) => names.length === 0 || names.includes(e.name));

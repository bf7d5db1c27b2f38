// The worker thread's entry point: the kernel's shared worker loop, plus the
// shared memory that tells the pool which task and node run now.
import { parentPort, workerData } from "node:worker_threads";
import { WorkerLoop, type ToWorker } from "@hamilton-ts/kernel/remote";
import { SharedState, type WorkerData } from "./shared-state.js";

const port = parentPort!;
const data = workerData as WorkerData;
const state = new SharedState(data.state);

const loop = new WorkerLoop({
  send: (message, transfer) => port.postMessage(message, [...transfer]),
  sharedMemory: true,
  onTaskStart: (seq, index, at) => state.taskStarted(seq, index, at),
  onNodeStart: (node) => state.nodeStarted(node),
});
port.on("message", (msg: ToWorker) => void loop.receive(msg));
if (data.registerLoader) {
  // tsx must be registered before the pipeline's .ts modules are imported
  const registered = import(data.registerLoader).then((api: { register?: () => unknown }) => api.register?.());
  loop.after(registered);
  registered.then(
    () => loop.ready(),
    (error: unknown) => {
      // no loader, no pipeline: die, and the pool reports a worker that could not start
      throw error;
    },
  );
} else loop.ready();

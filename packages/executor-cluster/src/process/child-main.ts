/**
 * The entry script of a `MultiProcessingExecutor` child process. It imports the
 * driver's modules by location (once per setup, cached across tasks and runs),
 * runs batches of tasks by node name, and sends results and node events back.
 * Code never travels: only task requests and values do.
 */
import { serialize } from "node:v8";
import { cachedTaskRunner, failureFor, runWireTask, SerializationError, serializeError } from "@hamilton-ts/kernel";
import type { WireNodeEvent, WireTaskResult } from "@hamilton-ts/kernel";
import type { ChildSetup, FromChild, ToChild } from "./messages.js";

if (typeof process.send !== "function") {
  console.error("@hamilton-ts/executor-cluster: the process child script must be started by MultiProcessingExecutor (it needs an IPC channel).");
  process.exit(1);
}

const setups = new Map<number, ChildSetup>();
let queue: Promise<void> = Promise.resolve();

function send(message: FromChild): void {
  try {
    process.send!(message);
  } catch (error) {
    // the parent is gone: nothing left to do
    if ((error as { code?: string }).code === "ERR_IPC_CHANNEL_CLOSED") process.exit(0);
    throw error;
  }
}

/** A result that v8 cannot serialize (despite the codec walk) becomes a SerializationError naming the node. */
function sendResults(batchId: number, results: WireTaskResult[], events: WireNodeEvent[], computeMs: number): void {
  try {
    send({ type: "results", batchId, results, events, computeMs });
    return;
  } catch {
    // find the culprits below
  }
  const safe = results.map((r) => {
    try {
      serialize(r);
      return r;
    } catch (error) {
      const names = r.ok ? Object.keys(r.outputs as object) : [r.nodeName ?? "(task)"];
      return failureFor(
        r.taskId,
        new SerializationError(
          `A value of node "${names.join(", ")}" cannot be sent back from the child process: ${(error as Error).message}`,
          names[0],
        ),
      );
    }
  });
  send({ type: "results", batchId, results: safe, events: [], computeMs });
}

async function runBatch(msg: Extract<ToChild, { type: "batch" }>): Promise<void> {
  const setup = setups.get(msg.setupId);
  const results: WireTaskResult[] = [];
  const events: WireNodeEvent[] = [];
  const onEvent = msg.live
    ? (e: WireNodeEvent) => send({ type: "events", batchId: msg.batchId, events: [e] })
    : (e: WireNodeEvent) => void events.push(e);
  const start = performance.now();
  if (!setup) {
    for (const t of msg.tasks) results.push(failureFor(t.taskId, new Error(`child process ${process.pid} has no setup ${msg.setupId}`)));
  } else {
    let runner;
    try {
      runner = await cachedTaskRunner({ modules: setup.modules, config: setup.config, allowModuleOverrides: setup.allowModuleOverrides });
    } catch (error) {
      for (const t of msg.tasks) results.push(failureFor(t.taskId, error));
    }
    if (runner) {
      for (const req of msg.tasks) results.push((await runWireTask(runner, req, onEvent)).result);
    }
  }
  sendResults(msg.batchId, results, events, performance.now() - start);
}

function fatal(origin: string) {
  return (error: unknown): void => {
    // exit once the message is flushed (or soon anyway): the parent still sees the exit if it is lost
    setTimeout(() => process.exit(70), 200);
    try {
      process.send!({ type: "fatal", error: serializeError(error), origin } satisfies FromChild, () => process.exit(70));
    } catch {
      process.exit(70);
    }
  };
}

process.on("uncaughtException", fatal("uncaughtException"));
process.on("unhandledRejection", fatal("unhandledRejection"));
// when the parent dies or lets go, so does the child
process.on("disconnect", () => process.exit(0));
process.on("message", (raw) => {
  const msg = raw as ToChild;
  if (msg.type === "setup") setups.set(msg.setupId, msg.setup);
  // one batch at a time, in arrival order: if the child dies, the parent knows which batch was running
  else if (msg.type === "batch") queue = queue.then(() => runBatch(msg));
});
send({ type: "ready" });

/**
 * The entry script of a `MultiProcessingExecutor` child process: the kernel's
 * shared worker loop over the IPC channel, plus what only a process needs
 * (reporting a fatal error before dying, following the parent out).
 * Code never travels: only task requests and values do.
 */
import { serialize } from "node:v8";
import { serializeError, WorkerLoop, type FromWorker, type ToWorker } from "@hamilton-ts/kernel/remote";
import type { FatalMessage } from "./child-transport.js";

if (typeof process.send !== "function") {
  console.error("@hamilton-ts/executor-cluster: the process child script must be started by MultiProcessingExecutor (it needs an IPC channel).");
  process.exit(1);
}

function send(message: FromWorker): void {
  try {
    process.send!(message);
  } catch (error) {
    // the parent is gone: nothing left to do
    if ((error as { code?: string }).code === "ERR_IPC_CHANNEL_CLOSED") process.exit(0);
    throw error;
  }
}

function fatal(origin: string) {
  return (error: unknown): void => {
    // exit once the message is flushed (or soon anyway): the parent still sees the exit if it is lost
    setTimeout(() => process.exit(70), 200);
    try {
      process.send!({ type: "fatal", error: serializeError(error), origin } satisfies FatalMessage, () => process.exit(70));
    } catch {
      process.exit(70);
    }
  };
}

const loop = new WorkerLoop({ send, checkValue: (v) => void serialize(v) });
process.on("uncaughtException", fatal("uncaughtException"));
process.on("unhandledRejection", fatal("unhandledRejection"));
// when the parent dies or lets go, so does the child
process.on("disconnect", () => process.exit(0));
process.on("message", (msg: ToWorker) => void loop.receive(msg));
loop.ready();

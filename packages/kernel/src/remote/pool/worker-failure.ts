import { ExecutorError, NodeExecutionError, TimeoutError } from "../../errors.js";
import type { Task } from "../../executors/task-executor.js";
import type { PoolTransport, WorkerExit } from "./pool-transport.js";

/** The node to blame in a task: the one known to run, else the task's only node, else all of them. */
export function blamedNode(task: Pick<Task, "nodes">, running: string | undefined): string {
  if (running !== undefined) return running;
  return task.nodes.length === 1 ? task.nodes[0]! : task.nodes.join(", ");
}

function messageOf(error: unknown): string | undefined {
  if (error instanceof Error) return error.message;
  if (error !== undefined && error !== null) return String(error);
  return undefined;
}

/** How the worker ended, in words: "exited with code 3", "was killed by SIGKILL", "crashed on an uncaught exception (boom)". */
function howItEnded(exit: WorkerExit): string {
  const why = messageOf(exit.error);
  if (exit.origin && why !== undefined) {
    return `crashed on an ${exit.origin === "unhandledRejection" ? "unhandled rejection" : "uncaught exception"} (${why})`;
  }
  if (!exit.signal && (exit.code === undefined || exit.code === null)) return why !== undefined ? `could not be started or reached (${why})` : "stopped";
  const base = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return why !== undefined ? `${base} (${why})` : base;
}

/**
 * The error of a task whose worker died under it (`reason: "worker-died"`) or
 * never started (`"worker-start"`): a `NodeExecutionError` naming the node,
 * whose `cause` is an `ExecutorError` carrying the exit code, signal and the
 * worker's own fatal error (as its `cause`).
 */
export function workerDeathError(
  transport: PoolTransport,
  worker: string,
  task: Pick<Task, "taskId" | "nodes">,
  node: string | undefined,
  exit: WorkerExit,
  started: boolean,
  tries: { readonly attempts: number; readonly retries: number },
): NodeExecutionError {
  const noun = transport.workerNoun;
  let message: string;
  if (!started) {
    message =
      `The ${noun} meant to run task ${task.taskId} (${worker}) failed to start: it ${howItEnded(exit)}. ` +
      `Check the ${noun}'s execArgv, loaders and environment (its stderr above may say more).`;
  } else {
    const oom = exit.outOfMemory ? ` It ran out of memory${transport.outOfMemoryHint ? `: ${transport.outOfMemoryHint}` : "."}` : "";
    const again =
      tries.retries > 0
        ? ` It was tried ${tries.attempts} time${tries.attempts === 1 ? "" : "s"} (retries: ${tries.retries}).`
        : ` Look for process.exit() or an error thrown outside the node's promise (a timer, an event handler); set the \`retries\` option to run such a task again in a new ${noun}.`;
    message = `The ${noun} running task ${task.taskId} (${worker}) died: it ${howItEnded(exit)}.${oom}${again}`;
  }
  const cause = new ExecutorError(transport.executor, started ? "worker-died" : "worker-start", message, { cause: exit.error });
  Object.assign(cause, { worker, exitCode: exit.code ?? null, signal: exit.signal ?? null, outOfMemory: exit.outOfMemory === true });
  return new NodeExecutionError(blamedNode(task, node), task.taskId, cause);
}

/** A task overran its timeout: its worker was stopped and replaced. */
export function workerTimeoutError(transport: PoolTransport, worker: string, task: Pick<Task, "taskId" | "nodes">, node: string | undefined, timeoutMs: number): TimeoutError {
  return new TimeoutError(
    blamedNode(task, node),
    task.taskId,
    timeoutMs,
    `the ${transport.workerNoun} running it (${worker}) was stopped and replaced. Raise the node's timeoutMs (or the executor's taskTimeoutMs) if it needs longer`,
  );
}

/** A task waited or ran when the executor was closed. */
export function closedError(transport: PoolTransport, task: Pick<Task, "taskId">): ExecutorError {
  return new ExecutorError(
    transport.executor,
    "closed",
    `${transport.executor} was closed (Driver.close()) while task ${task.taskId} waited or ran; its run cannot finish. Close the driver after its runs settle.`,
  );
}

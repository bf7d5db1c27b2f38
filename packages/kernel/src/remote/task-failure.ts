import { ExecutorError, HamiltonError, NodeExecutionError, type ExecutorFailureReason } from "../errors.js";
import { deserializeThrown, serializeError, type SerializedError } from "../codec/error-data.js";

/** A failed task on the wire, from worker to driver. */
export interface WireTaskFailure {
  readonly ok: false;
  readonly taskId: string;
  /** The node that failed, when one did. */
  readonly nodeName: string | undefined;
  /** `NodeExecutionError` (then `error` is its cause), or the name of the error in `error`. */
  readonly kind: string;
  readonly error: SerializedError;
}

function nodeNameOf(error: HamiltonError): string | undefined {
  const name = (error as { nodeName?: unknown }).nodeName;
  return typeof name === "string" ? name : undefined;
}

/**
 * Encode any error raised while running a task as a wire failure. Never
 * throws, whatever was thrown (a null-prototype object, a value with a getter
 * that throws): the driver always learns which task failed and why.
 */
export function failureFor(taskId: string, error: unknown): WireTaskFailure {
  if (NodeExecutionError.isInstance(error)) {
    // an item of an item batch names its own task id (`block-x[7]`, not the batch's `block-x[0..255]`)
    return { ok: false, taskId: error.taskId || taskId, nodeName: error.nodeName, kind: "NodeExecutionError", error: serializeError(error.cause) };
  }
  if (HamiltonError.isInstance(error)) return { ok: false, taskId, nodeName: nodeNameOf(error), kind: error.name, error: serializeError(error) };
  return { ok: false, taskId, nodeName: undefined, kind: "Error", error: serializeError(error) };
}

/** The name to give a failure of a task whose failing node is not known: its node, or its nodes joined. */
export function taskNodeName(nodes: readonly string[] | undefined): string | undefined {
  if (!nodes || nodes.length === 0) return undefined;
  return nodes.length === 1 ? nodes[0] : nodes.join(", ");
}

/**
 * Rebuild the error of a failed wire result. A kernel error (a worker's
 * `GraphError`, a `SerializationError`, …) comes back as its own class with
 * its fields; a node's failure as a `NodeExecutionError` naming the node,
 * whose `cause` is what the node threw (its class, fields, stack, cause chain;
 * a thrown non-error value as itself). `nodes` (the task's) name a failure
 * that names no node.
 */
export function errorFromWire(result: WireTaskFailure, nodes?: readonly string[]): Error {
  const thrown = deserializeThrown(result.error);
  const nodeName = typeof result.nodeName === "string" ? result.nodeName : (taskNodeName(nodes) ?? "(task)");
  if (result.kind !== "NodeExecutionError" && HamiltonError.isInstance(thrown)) return thrown;
  return new NodeExecutionError(nodeName, String(result.taskId), thrown);
}

/**
 * The error for a task that its executor's infrastructure failed (a worker
 * died, a message could not cross, the executor was closed): a
 * `NodeExecutionError` naming the node, whose `cause` is an `ExecutorError`
 * with the reason.
 *
 * @example
 * task.reject(executorFailure("step", task.taskId, "MultiThreadingExecutor", "worker-died", "the worker thread exited with code 1"));
 */
export function executorFailure(
  nodeName: string,
  taskId: string,
  executor: string,
  reason: ExecutorFailureReason,
  message: string,
  options?: { cause?: unknown },
): NodeExecutionError {
  return new NodeExecutionError(nodeName, taskId, new ExecutorError(executor, reason, message, options));
}

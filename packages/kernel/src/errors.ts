const MARKER = Symbol.for("hamilton-ts.error");

/**
 * A thrown value in words, for a message: an error's message, a string as it
 * is, anything else as JSON where it can be (a null-prototype object has no
 * `toString`, so `String(value)` would throw).
 */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) {
    try {
      const json = JSON.stringify(value);
      if (typeof json === "string") return json.length > 500 ? `${json.slice(0, 500)}…` : json;
    } catch {
      // cyclic, or holds a BigInt: fall through
    }
    return Object.prototype.toString.call(value);
  }
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

/**
 * Base class of every error hamilton-ts throws. `HamiltonError.isInstance(e)`
 * works across two copies of the kernel in `node_modules`, where `instanceof`
 * would not.
 */
export class HamiltonError extends Error {
  private readonly [MARKER] = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HamiltonError";
  }
  static isInstance(error: unknown): error is HamiltonError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

function marked(error: unknown, name: string): boolean {
  return HamiltonError.isInstance(error) && error.name === name;
}

/** A problem with the graph itself: a cycle, a node defined twice, a bad `configWhen`, an unparseable function. */
export class GraphError extends HamiltonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GraphError";
  }
  static override isInstance(error: unknown): error is GraphError {
    return marked(error, "GraphError");
  }
}

/** Missing inputs, unknown outputs or an impossible request, found before any node runs. */
export class InputValidationError extends HamiltonError {
  readonly missingInputs: readonly string[];
  readonly unknownOutputs: readonly string[];
  /**
   * The advice at the end of the message, in the API's terms (how to pass
   * inputs); a front end such as the CLI can replace it with its own.
   */
  readonly hint: string | undefined;
  constructor(message: string, details: { missingInputs?: string[]; unknownOutputs?: string[]; hint?: string } = {}) {
    super(details.hint ? `${message}: ${details.hint}.` : message);
    this.name = "InputValidationError";
    this.missingInputs = details.missingInputs ?? [];
    this.unknownOutputs = details.unknownOutputs ?? [];
    this.hint = details.hint;
  }
  static override isInstance(error: unknown): error is InputValidationError {
    return marked(error, "InputValidationError");
  }
}

/**
 * A node threw (or a worker running it died). `nodeName` and `taskId` name the
 * culprit; `cause` is the original error with its original stack.
 */
export class NodeExecutionError extends HamiltonError {
  readonly nodeName: string;
  readonly taskId: string;
  constructor(nodeName: string, taskId: string, cause: unknown, detail?: string) {
    super(`Node "${nodeName}" (task ${taskId}) failed: ${detail ?? describeThrown(cause)}`, { cause });
    this.name = "NodeExecutionError";
    this.nodeName = nodeName;
    this.taskId = taskId;
  }
  static override isInstance(error: unknown): error is NodeExecutionError {
    return marked(error, "NodeExecutionError");
  }
}

/** A value cannot cross a thread, process or machine boundary. */
export class SerializationError extends HamiltonError {
  readonly nodeName: string | undefined;
  constructor(message: string, nodeName?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SerializationError";
    this.nodeName = nodeName;
  }
  static override isInstance(error: unknown): error is SerializationError {
    return marked(error, "SerializationError");
  }
}

/** The run was cancelled through `execute(..., { signal })`. `name` is `"AbortError"`. */
export class AbortError extends HamiltonError {
  constructor(message = "The run was aborted", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AbortError";
  }
  static override isInstance(error: unknown): error is AbortError {
    return marked(error, "AbortError");
  }
}

/**
 * A node attempt ran longer than its `timeoutMs` (or a task longer than its
 * executor's `taskTimeoutMs`). In the calling thread an async node is
 * abandoned; in a worker the worker is terminated and replaced.
 */
export class TimeoutError extends HamiltonError {
  readonly nodeName: string;
  readonly taskId: string;
  readonly timeoutMs: number;
  constructor(nodeName: string, taskId: string, timeoutMs: number, detail?: string) {
    super(`Node "${nodeName}" (task ${taskId}) timed out after ${timeoutMs} ms${detail ? `: ${detail}` : ""}.`);
    this.name = "TimeoutError";
    this.nodeName = nodeName;
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
  }
  static override isInstance(error: unknown): error is TimeoutError {
    return marked(error, "TimeoutError");
  }
}

/** Why an executor's infrastructure failed a task (not the node's own code). */
export type ExecutorFailureReason =
  /** The worker thread, child process or BullMQ worker running the task died. */
  | "worker-died"
  /** A worker could not start (bad execArgv, a loader that fails, a module that cannot be imported). */
  | "worker-start"
  /** A message could not be sent or received (IPC, Redis, HTTP). */
  | "transport"
  /** The executor was closed (`Driver.close()`) while the task waited or ran. */
  | "closed"
  /** The task could not be handed to any worker (a queue nobody serves, a full backlog). */
  | "unavailable";

/**
 * The infrastructure under a task failed: a worker died, a message could not
 * cross, the executor was closed. `reason` says which; `executor` names it.
 * It is usually the `cause` of a `NodeExecutionError` naming the node.
 */
export class ExecutorError extends HamiltonError {
  readonly reason: ExecutorFailureReason;
  readonly executor: string;
  constructor(executor: string, reason: ExecutorFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ExecutorError";
    this.reason = reason;
    this.executor = executor;
  }
  static override isInstance(error: unknown): error is ExecutorError {
    return marked(error, "ExecutorError");
  }
}

/**
 * A plugin (executor, grouping strategy, result builder, graph adapter)
 * implements a contract version this kernel does not know.
 */
export class UnsupportedSpecificationVersionError extends HamiltonError {
  readonly contract: string;
  readonly version: unknown;
  readonly supported: readonly string[];
  constructor(contract: string, who: string, version: unknown, supported: readonly string[]) {
    super(
      `${who} implements ${contract} specification version ${JSON.stringify(version)}, but this kernel supports ${supported.map((v) => `"${v}"`).join(", ")}. ` +
        `Upgrade @hamilton-ts/kernel, or use a version of the plugin made for this kernel.`,
    );
    this.name = "UnsupportedSpecificationVersionError";
    this.contract = contract;
    this.version = version;
    this.supported = supported;
  }
  static override isInstance(error: unknown): error is UnsupportedSpecificationVersionError {
    return marked(error, "UnsupportedSpecificationVersionError");
  }
}

/** One check of a node's value by `checkOutput` (see `Driver.validationResults`). */
export interface ValidationResult {
  readonly nodeName: string;
  readonly taskId: string;
  readonly runId: string;
  readonly passed: boolean;
  readonly importance: "warn" | "fail";
  /** The schema's vendor (`zod`, `valibot`, …), `validator`, or the helper's name. */
  readonly validator: string;
  readonly message: string;
  readonly issues: readonly { readonly message: string; readonly path?: readonly (string | number)[] }[];
}

/** A `checkOutput({ importance: "fail" })` check failed: `nodeName` and `results` say where and why. */
export class DataValidationError extends HamiltonError {
  readonly nodeName: string;
  readonly results: readonly ValidationResult[];
  constructor(nodeName: string, results: readonly ValidationResult[], message?: string) {
    super(message ?? `Node "${nodeName}" failed validation: ${results.filter((r) => !r.passed).map((r) => r.message).join("; ")}`);
    this.name = "DataValidationError";
    this.nodeName = nodeName;
    this.results = results;
  }
  static override isInstance(error: unknown): error is DataValidationError {
    return marked(error, "DataValidationError");
  }
}

/**
 * Every error class of the kernel by `name`: what a boundary uses to rebuild
 * an error of the right class on the other side (see `remote`'s
 * `deserializeError`). One table, so a new class is added in one place.
 */
export const ERROR_CLASSES = {
  HamiltonError,
  GraphError,
  InputValidationError,
  NodeExecutionError,
  SerializationError,
  AbortError,
  TimeoutError,
  ExecutorError,
  UnsupportedSpecificationVersionError,
  DataValidationError,
} as const;

/**
 * An error of a kernel class, rebuilt from its name without running its
 * constructor (the caller restores its fields): what a boundary uses so a
 * worker's `GraphError` is a `GraphError` in the driver. Undefined when the
 * name is no kernel class.
 */
export function blankHamiltonError(name: string, message: string): HamiltonError | undefined {
  if (!Object.prototype.hasOwnProperty.call(ERROR_CLASSES, name)) return undefined;
  const error = Reflect.construct(Error, [message], ERROR_CLASSES[name as keyof typeof ERROR_CLASSES]) as HamiltonError;
  (error as unknown as Record<symbol, unknown>)[MARKER] = true;
  return error;
}

/** Turn an aborted signal's reason into an AbortError (keeping the reason as `cause`). */
export function abortErrorFrom(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason;
  if (AbortError.isInstance(reason)) return reason;
  const why = reason instanceof Error && reason.name !== "AbortError" ? `: ${reason.message}` : "";
  return new AbortError(`The run was aborted${why}`, { cause: reason });
}

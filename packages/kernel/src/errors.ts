const MARKER = Symbol.for("hamilton-ts.error");

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
    const causeMessage = cause instanceof Error ? cause.message : String(cause);
    super(`Node "${nodeName}" (task ${taskId}) failed: ${detail ?? causeMessage}`, { cause });
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

/** Turn an aborted signal's reason into an AbortError (keeping the reason as `cause`). */
export function abortErrorFrom(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason;
  if (AbortError.isInstance(reason)) return reason;
  const why = reason instanceof Error && reason.name !== "AbortError" ? `: ${reason.message}` : "";
  return new AbortError(`The run was aborted${why}`, { cause: reason });
}

import { HamiltonError } from "@hamilton-ts/kernel";

/**
 * `ArrowTableResult` could not turn the outputs into a Table: lengths differ, a
 * column is defined twice, or a value has no Arrow type. `outputs` names the
 * outputs at fault.
 */
export class ArrowResultError extends HamiltonError {
  /** The outputs at fault, by name. */
  readonly outputs: readonly string[];
  constructor(message: string, outputs: readonly string[]) {
    super(message);
    this.name = "ArrowResultError";
    this.outputs = outputs;
  }
  /** Whether `error` is an `ArrowResultError`, even from another copy of this package. */
  static override isInstance(error: unknown): error is ArrowResultError {
    return HamiltonError.isInstance(error) && error.name === "ArrowResultError";
  }
}

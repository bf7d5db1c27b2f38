import { HamiltonError } from "@hamilton-ts/kernel";

/**
 * `DataFrameResult` could not turn the outputs into a DataFrame: lengths or
 * index labels differ, index types differ (strict mode), a column is defined
 * twice, or a value has no column type. `outputs` names the outputs at fault.
 */
export class DataFrameResultError extends HamiltonError {
  /** The outputs at fault, by name. */
  readonly outputs: readonly string[];
  constructor(message: string, outputs: readonly string[]) {
    super(message);
    this.name = "DataFrameResultError";
    this.outputs = outputs;
  }
  /** Whether `error` is a `DataFrameResultError`, even from another copy of this package. */
  static override isInstance(error: unknown): error is DataFrameResultError {
    return HamiltonError.isInstance(error) && error.name === "DataFrameResultError";
  }
}

import type { ValidationResult } from "../errors.js";

const KEPT_RUNS = 64;

/** The output-check results (`checkOutput`) of a driver's recent runs, by run id: what `dr.validationResults()` reads. */
export class ValidationLog {
  private readonly runs = new Map<string, ValidationResult[]>();

  record(runId: string, results: readonly ValidationResult[]): void {
    let list = this.runs.get(runId);
    if (!list) {
      if (this.runs.size >= KEPT_RUNS) this.runs.delete(this.runs.keys().next().value!);
      this.runs.set(runId, (list = []));
    }
    list.push(...results);
  }

  of(runId: string | undefined): readonly ValidationResult[] {
    return (runId !== undefined && this.runs.get(runId)) || [];
  }
}

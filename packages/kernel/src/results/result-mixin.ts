/**
 * The result builder contract (specification v1): what `execute()` hands back.
 *
 * `buildResult` is static so a result builder can be named (and used) in another
 * process; the instance method calls it. Subclasses override the static method.
 *
 * @example
 * class CountResult extends ResultMixin {
 *   static override buildResult(outputs: Record<string, unknown>) { return Object.keys(outputs).length; }
 * }
 */
export abstract class ResultMixin {
  readonly specificationVersion = "v1" as const;

  static buildResult(outputs: Record<string, unknown>): unknown {
    return outputs;
  }

  buildResult(outputs: Record<string, unknown>): unknown {
    return (this.constructor as typeof ResultMixin).buildResult(outputs);
  }
}

declare const DICT_RESULT: unique symbol;

/** Type-only brand of result builders that return the outputs as they are: `execute()` is then typed by the nodes (see `typed-results.ts`). */
export interface DictResultBrand {
  readonly [DICT_RESULT]: true;
}

/** The kernel's default result: a plain object of output name → value. */
// type-only: execute() of a driver with this result builder is typed by its nodes
export interface DictResult extends DictResultBrand {}
export class DictResult extends ResultMixin {
  static override buildResult(outputs: Record<string, unknown>): Record<string, unknown> {
    return { ...outputs };
  }
}

/** Anything with an instance `buildResult`, as `withAdapters` accepts. */
export interface ResultBuilder {
  buildResult(outputs: Record<string, unknown>): unknown;
}

/** Whether a value can build results. */
export function isResultBuilder(value: unknown): value is ResultBuilder {
  return typeof value === "object" && value !== null && typeof (value as ResultBuilder).buildResult === "function";
}

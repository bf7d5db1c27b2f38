import { DataFrameResultError } from "./dataframe-result-error.js";
import type { IndexLabel } from "./danfo-types.js";

/**
 * The index type of an output, in the spirit of Hamilton's index-type check:
 * `range` is danfo's default index 0..n-1, otherwise the type of the labels.
 */
export type IndexType = "range" | "number" | "string" | "mixed";

/** An output that carries an index (a Series or DataFrame). */
export interface IndexedOutput {
  readonly output: string;
  readonly index: readonly IndexLabel[];
}

/** The type of an index's labels. */
export function indexTypeOf(index: readonly IndexLabel[]): IndexType {
  let range = true;
  let numbers = true;
  let strings = true;
  for (let i = 0; i < index.length; i++) {
    const label = index[i];
    if (label !== i) range = false;
    if (typeof label !== "number") numbers = false;
    if (typeof label !== "string") strings = false;
    if (!range && !numbers && !strings) return "mixed";
  }
  return range ? "range" : numbers ? "number" : strings ? "string" : "mixed";
}

/** `StrictIndexTypeDataFrameResult`'s rule: every indexed output has the same index type. */
export function requireOneIndexType(indexed: readonly IndexedOutput[]): void {
  const byType = new Map<IndexType, string[]>();
  for (const o of indexed) {
    const t = indexTypeOf(o.index);
    byType.set(t, [...(byType.get(t) ?? []), o.output]);
  }
  if (byType.size <= 1) return;
  const detail = [...byType].map(([t, outputs]) => `${outputs.map((o) => `"${o}"`).join(", ")}: ${t}`).join("; ");
  throw new DataFrameResultError(
    `StrictIndexTypeDataFrameResult refuses outputs whose index types differ (${detail}). ` +
      `Give them the same kind of index upstream (e.g. setIndex or resetIndex), or use DataFrameResult.`,
    [...byType.values()].flat(),
  );
}

/** The result's index and, per indexed output, where each result row comes from. */
export interface Alignment {
  /** The index of the result, or `undefined` for danfo's default 0..n-1. */
  readonly index: readonly IndexLabel[] | undefined;
  /** For outputs whose rows must be reordered: result row → row of that output. */
  readonly positions: ReadonlyMap<string, readonly number[]>;
}

/**
 * Align indexed outputs by label. A default 0..n-1 index counts as no index
 * (rows align by position, as plain arrays do). Outputs with labelled indexes
 * must hold the same labels: in another order, their rows are reordered to the
 * first one's order (what Hamilton's outer join gives when nothing is missing);
 * with different labels, it is an error, because the outer join Hamilton does
 * would add rows of missing values, and danfo has no outer join on the index.
 */
export function alignIndexes(indexed: readonly IndexedOutput[]): Alignment {
  const positions = new Map<string, number[]>();
  const labelled = indexed.filter((o) => indexTypeOf(o.index) !== "range");
  if (labelled.length === 0) return { index: undefined, positions };
  const [first, ...rest] = labelled;
  let rowOf: Map<IndexLabel, number> | undefined;
  for (const o of rest) {
    if (sameLabels(o.index, first.index)) continue;
    if (!rowOf) {
      rowOf = new Map<IndexLabel, number>();
      first.index.forEach((label, row) => rowOf!.set(label, row));
    }
    const own = new Map<IndexLabel, number>();
    o.index.forEach((label, row) => own.set(label, row));
    const at = first.index.map((label) => own.get(label) ?? -1);
    const missing = at.indexOf(-1);
    if (missing >= 0 || own.size !== o.index.length) {
      const onlyFirst = missing >= 0 ? first.index[missing] : undefined;
      const onlyOther = o.index.find((label) => !rowOf!.has(label));
      throw new DataFrameResultError(
        `Outputs "${first.output}" and "${o.output}" have different index labels ` +
          `(${onlyFirst !== undefined ? `${JSON.stringify(onlyFirst)} is only in "${first.output}"` : `${JSON.stringify(onlyOther)} is only in "${o.output}"`}; ` +
          `index types ${indexTypeOf(first.index)} and ${indexTypeOf(o.index)}). Hamilton would outer-join them on the index; danfo has no ` +
          `outer join on the index, so hamilton-ts aligns rows by label only when outputs hold the same labels. ` +
          `Reindex them upstream (e.g. with resetIndex or setIndex), or request them separately with DictResult.`,
        [first.output, o.output],
      );
    }
    positions.set(o.output, at);
  }
  return { index: first.index, positions };
}

function sameLabels(a: readonly IndexLabel[], b: readonly IndexLabel[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

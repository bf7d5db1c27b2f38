import { Table, type Vector } from "apache-arrow";
import { ResultMixin } from "@hamilton-ts/kernel";
import { ArrowResultError } from "./arrow-result-error.js";
import { describeValue, isArrowScalar, repeatScalar, vectorFromOutput, type ArrowScalar } from "./arrow-column.js";

interface Column {
  readonly name: string;
  /** The output the column came from. */
  readonly output: string;
  vector?: Vector;
  scalar?: ArrowScalar;
}

/**
 * Builds an Apache Arrow `Table` from a run's outputs, with Hamilton's DataFrame
 * rules: a single Table output is returned as is; Table outputs are unpacked into
 * columns named `output.column`; Vectors, typed arrays (without copying their
 * buffers) and plain arrays become columns; scalars are repeated down the
 * columns; all-scalar outputs make a one-row Table. Columns of different lengths,
 * a column defined twice and values with no Arrow type are an `ArrowResultError`
 * naming the outputs.
 *
 * @example
 * const dr = new Driver({}, [pipeline], { adapter: new SimpleGraphAdapter(new ArrowTableResult()) });
 * const table = (await dr.execute(["price", "volume"])) as Table;
 */
export class ArrowTableResult extends ResultMixin {
  static override buildResult(outputs: Record<string, unknown>): Table {
    const names = Object.keys(outputs);
    if (names.length === 1 && outputs[names[0]] instanceof Table) return outputs[names[0]] as Table;

    const columns: Column[] = [];
    const byName = new Map<string, Column>();
    const add = (column: Column): void => {
      const previous = byName.get(column.name);
      if (previous) {
        throw new ArrowResultError(
          `Column "${column.name}" is defined twice: by output "${previous.output}" and by output "${column.output}" ` +
            `(a Table output "x" unpacks into columns "x.<column>"). Rename one of the outputs.`,
          [previous.output, column.output],
        );
      }
      byName.set(column.name, column);
      columns.push(column);
    };

    for (const output of names) {
      const value = outputs[output];
      if (value instanceof Table) {
        for (const field of value.schema.fields) {
          add({ name: `${output}.${field.name}`, output, vector: value.getChild(field.name) as Vector });
        }
        continue;
      }
      const vector = vectorFromOutput(output, value);
      if (vector) add({ name: output, output, vector });
      else if (isArrowScalar(value)) add({ name: output, output, scalar: value });
      else {
        throw new ArrowResultError(
          `Output "${output}" is ${describeValue(value)}, which has no Arrow type. Return a Table, Vector, typed array, ` +
            `array or scalar (number, bigint, string, boolean, Date, null), or use DictResult for this output.`,
          [output],
        );
      }
    }

    const length = rowCount(columns);
    const vectors: Record<string, Vector> = {};
    for (const c of columns) vectors[c.name] = c.vector ?? repeatScalar(c.scalar, length);
    return new Table(vectors);
  }
}

/** The common length of the column-shaped outputs (1 if all are scalars), or an error naming them. */
function rowCount(columns: readonly Column[]): number {
  const lengths = new Map<number, Set<string>>();
  for (const c of columns) {
    if (!c.vector) continue;
    const set = lengths.get(c.vector.length) ?? new Set<string>();
    set.add(c.output);
    lengths.set(c.vector.length, set);
  }
  if (lengths.size === 0) return 1;
  if (lengths.size > 1) {
    const detail = [...lengths].map(([n, outputs]) => `${[...outputs].map((o) => `"${o}"`).join(", ")} ha${outputs.size > 1 ? "ve" : "s"} ${n} rows`);
    throw new ArrowResultError(
      `ArrowTableResult needs columns of one length, but ${detail.join("; ")}. ` +
        `Make the outputs the same length upstream, or request them separately (e.g. with DictResult).`,
      [...new Set([...lengths.values()].flatMap((s) => [...s]))],
    );
  }
  return lengths.keys().next().value as number;
}

import { Table, type Vector } from "apache-arrow";
import { ResultColumns, ResultMixin } from "@hamilton-ts/kernel/contracts";
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

    const table = new ResultColumns<Column>({
      builder: "ArrowTableResult",
      tableKind: "Table",
      error: (message, outputs) => new ArrowResultError(message, outputs),
    });

    for (const output of names) {
      const value = outputs[output];
      if (value instanceof Table) {
        for (const field of value.schema.fields) {
          table.add({ name: `${output}.${field.name}`, output, vector: value.getChild(field.name) as Vector });
        }
        continue;
      }
      const vector = vectorFromOutput(output, value);
      if (vector) table.add({ name: output, output, vector });
      else if (isArrowScalar(value)) table.add({ name: output, output, scalar: value });
      else {
        throw new ArrowResultError(
          `Output "${output}" is ${describeValue(value)}, which has no Arrow type. Return a Table, Vector, typed array, ` +
            `array or scalar (number, bigint, string, boolean, Date, null), or use DictResult for this output.`,
          [output],
        );
      }
    }

    const length = table.rowCount(
      (c) => c.vector?.length,
      "Make the outputs the same length upstream, or request them separately (e.g. with DictResult).",
    );
    const vectors: Record<string, Vector> = {};
    for (const c of table.columns) vectors[c.name] = c.vector ?? repeatScalar(c.scalar, length);
    return new Table(vectors);
  }
}


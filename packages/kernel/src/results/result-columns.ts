/** One column of a tabular result, and the output it came from. */
export interface ResultColumn {
  readonly name: string;
  readonly output: string;
}

/** How a tabular result builder names itself and its errors. */
export interface ResultColumnsOptions {
  /** The builder, for messages, e.g. `"ArrowTableResult"`. */
  readonly builder: string;
  /** What a table-shaped output is called, e.g. `"Table"` (it unpacks into `output.column`). */
  readonly tableKind: string;
  /** Builds the builder's own error from a message and the outputs at fault. */
  readonly error: (message: string, outputs: string[]) => Error;
}

/**
 * Hamilton's tabular result rules, for result builders that make tables
 * (DataFrames, Arrow Tables): column names are unique, and every column-shaped
 * output has one length (scalars are repeated down it). Errors name the outputs.
 */
export class ResultColumns<C extends ResultColumn> {
  readonly columns: C[] = [];
  private readonly byName = new Map<string, C>();
  constructor(private readonly options: ResultColumnsOptions) {}

  /** Add a column; one already defined by another output is an error naming both. */
  add(column: C): void {
    const previous = this.byName.get(column.name);
    if (previous) {
      throw this.options.error(
        `Column "${column.name}" is defined twice: by output "${previous.output}" and by output "${column.output}" ` +
          `(a ${this.options.tableKind} output "x" unpacks into columns "x.<column>"). Rename one of the outputs.`,
        [previous.output, column.output],
      );
    }
    this.byName.set(column.name, column);
    this.columns.push(column);
  }

  /**
   * The common length of the column-shaped outputs (`lengthOf` is undefined for
   * scalars), 1 if all are scalars; different lengths are an error naming the
   * outputs, followed by `advice`.
   */
  rowCount(lengthOf: (column: C) => number | undefined, advice: string): number {
    const lengths = new Map<number, Set<string>>();
    for (const c of this.columns) {
      const n = lengthOf(c);
      if (n === undefined) continue;
      let set = lengths.get(n);
      if (!set) lengths.set(n, (set = new Set()));
      set.add(c.output);
    }
    if (lengths.size === 0) return 1;
    if (lengths.size > 1) {
      const detail = [...lengths].map(([n, outputs]) => `${[...outputs].map((o) => `"${o}"`).join(", ")} ha${outputs.size > 1 ? "ve" : "s"} ${n} rows`);
      throw this.options.error(`${this.options.builder} needs outputs of one length, but ${detail.join("; ")}. ${advice}`, [
        ...new Set([...lengths.values()].flatMap((s) => [...s])),
      ]);
    }
    return lengths.keys().next().value as number;
  }
}

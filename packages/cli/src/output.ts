import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, extname } from "node:path";
import { UsageError } from "./args.js";
import { importPlugin, pluginExport } from "./plugins.js";

/** Rows and column names: what CSV and the terminal table need. */
export interface Tabular {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  /** Whether the first column holds the row labels of a DataFrame's or Series' index. */
  readonly indexed?: boolean;
}

interface DataFrameLike {
  readonly columns: string[];
  readonly values: unknown[][];
  readonly shape: [number, number];
  readonly index?: readonly unknown[];
  toString(): string;
}
interface SeriesLike {
  readonly values: unknown[];
  readonly index: unknown[];
  readonly dtype: unknown;
  readonly columns?: readonly string[];
}
interface ArrowTableLike {
  readonly schema: { readonly fields: ReadonlyArray<{ readonly name: string }> };
  readonly numRows: number;
  getChild(name: string): { get(i: number): unknown } | null;
}
interface ArrowVectorLike {
  readonly type: unknown;
  readonly length: number;
  toArray(): ArrayLike<unknown>;
}

/** A danfo DataFrame (checked by shape, so two copies of danfo both count; a Series has the same shape fields, and a `dtype`). */
export function isDataFrame(v: unknown): v is DataFrameLike {
  const d = v as DataFrameLike | null;
  return typeof d === "object" && d !== null && Array.isArray(d.columns) && Array.isArray(d.shape) && d.shape.length === 2 && "values" in d && !isSeries(v);
}

/** An apache-arrow Table. */
export function isArrowTable(v: unknown): v is ArrowTableLike {
  const t = v as ArrowTableLike | null;
  return typeof t === "object" && t !== null && typeof t.numRows === "number" && Array.isArray(t.schema?.fields) && typeof t.getChild === "function";
}

function isArrowVector(v: unknown): v is ArrowVectorLike {
  const t = v as ArrowVectorLike | null;
  return typeof t === "object" && t !== null && "type" in t && typeof t.toArray === "function" && typeof t.length === "number";
}

/** A danfo Series: one `dtype` (a DataFrame has `dtypes`). */
export function isSeries(v: unknown): v is SeriesLike {
  const s = v as { values?: unknown; index?: unknown; dtype?: unknown; ndim?: unknown } | null;
  return typeof s === "object" && s !== null && Array.isArray(s.values) && Array.isArray(s.index) && "dtype" in s && s.ndim !== 2;
}

/**
 * The row labels of a DataFrame or Series, or `undefined` when it has danfo's
 * default index `0..n-1`, which labels nothing: such rows print and write as
 * before, with no index column.
 */
export function labelledIndex(v: { readonly index?: readonly unknown[] }): readonly unknown[] | undefined {
  const index = v.index;
  if (!Array.isArray(index)) return undefined;
  return index.every((label, i) => label === i) ? undefined : index;
}

/**
 * The column name a labelled index takes in JSON records, CSV and the printed
 * table: `index`, as pandas' `reset_index()` names an unnamed index, or
 * `level_0` when a column is already called `index`.
 */
export function indexColumnName(columns: readonly string[]): string {
  for (const name of ["index", "level_0"]) if (!columns.includes(name)) return name;
  let name = "level_0";
  while (columns.includes(name)) name = `_${name}`;
  return name;
}

function seriesName(s: SeriesLike): string {
  const name = s.columns?.[0];
  return name === undefined || name === "0" ? "value" : String(name);
}

/** Plain JSON-friendly data from whatever a node returned. */
export function toPlain(v: unknown, depth = 0): unknown {
  if (depth > 50) return "[too deep]";
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === "function") return `[function ${v.name || "anonymous"}]`;
  if (typeof v === "symbol") return v.toString();
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Error) return { error: v.name, message: v.message };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => toPlain(x, depth + 1));
  if (v instanceof ArrayBuffer) return `[ArrayBuffer ${v.byteLength} bytes]`;
  if (isSeries(v)) {
    // a default index labels nothing: a plain array; else records, as for a DataFrame
    if (!labelledIndex(v)) return v.values.map((x) => toPlain(x, depth + 1));
  }
  if (isSeries(v) || isDataFrame(v) || isArrowTable(v)) {
    // rows as records; a labelled index is the first field of each, as after pandas' reset_index()
    // (records, not an object keyed by label: keys would lose the labels' order and type)
    const t = toTabular(v);
    return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, toPlain(r[i], depth + 1)])));
  }
  if (isArrowVector(v)) return Array.from(v.toArray(), (x) => toPlain(x, depth + 1));
  if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toPlain(x, depth + 1)]));
  if (v instanceof Set) return [...v].map((x) => toPlain(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toPlain(x, depth + 1);
  return out;
}

function columnValues(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>);
  if (isSeries(v)) return v.values;
  if (isArrowVector(v)) return Array.from(v.toArray());
  return undefined;
}

/**
 * Rows of a DataFrame, an Arrow Table, or a dict of outputs (arrays become
 * columns, scalars are repeated down them, as a DataFrame result would do).
 */
export function toTabular(v: unknown): Tabular {
  if (isSeries(v)) {
    const index = labelledIndex(v);
    const name = seriesName(v);
    if (!index) return { columns: [name], rows: v.values.map((x) => [x]) };
    return { columns: [indexColumnName([name]), name], rows: v.values.map((x, i) => [index[i], x]), indexed: true };
  }
  if (isDataFrame(v)) {
    const columns = v.columns.map(String);
    const rows = v.values.map((r) => (Array.isArray(r) ? r : [r]));
    const index = labelledIndex(v);
    if (!index) return { columns, rows };
    return { columns: [indexColumnName(columns), ...columns], rows: rows.map((r, i) => [index[i], ...r]), indexed: true };
  }
  if (isArrowTable(v)) {
    const columns = v.schema.fields.map((f) => f.name);
    const children = columns.map((c) => v.getChild(c));
    const rows: unknown[][] = [];
    for (let i = 0; i < v.numRows; i++) rows.push(children.map((ch) => ch?.get(i)));
    return { columns, rows };
  }
  if (typeof v !== "object" || v === null) return { columns: ["value"], rows: [[v]] };
  const entries = Object.entries(v as Record<string, unknown>);
  // one table-shaped output: its own rows and index, not one cell of JSON
  if (entries.length === 1 && (isDataFrame(entries[0]![1]) || isSeries(entries[0]![1]) || isArrowTable(entries[0]![1]))) return toTabular(entries[0]![1]);
  const cols = entries.map(([k, x]) => [k, columnValues(x)] as const);
  const lengths = new Set(cols.filter(([, c]) => c !== undefined).map(([, c]) => c!.length));
  if (lengths.size > 1) {
    const desc = cols.filter(([, c]) => c).map(([k, c]) => `${k} (${c!.length})`).join(", ");
    throw new UsageError(`cannot lay the outputs out as a table: columns have different lengths: ${desc}; write .json instead`);
  }
  const n = lengths.size === 0 ? 1 : [...lengths][0]!;
  const rows: unknown[][] = [];
  for (let i = 0; i < n; i++) rows.push(cols.map(([k, c]) => (c ? c[i] : (v as Record<string, unknown>)[k])));
  return { columns: entries.map(([k]) => k), rows };
}

function cellText(x: unknown): string {
  const p = toPlain(x);
  if (p === null || p === undefined) return "";
  return typeof p === "object" ? JSON.stringify(p) : String(p);
}

/** An aligned text table, first `maxRows` rows. */
export function renderTable(t: Tabular, maxRows = 30): string {
  const shown = t.rows.slice(0, maxRows).map((r) => r.map(cellText));
  const widths = t.columns.map((c, i) => Math.min(40, Math.max(c.length, ...shown.map((r) => r[i]!.length))));
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + "…" : s);
  const num = (s: string) => s !== "" && !Number.isNaN(Number(s));
  const line = (cells: readonly string[]) => cells.map((c, i) => (num(c) ? fit(c, widths[i]!).padStart(widths[i]!) : fit(c, widths[i]!).padEnd(widths[i]!))).join("  ");
  const out = [line(t.columns), widths.map((w) => "─".repeat(w)).join("  "), ...shown.map(line)];
  if (t.rows.length > maxRows) out.push(`… ${t.rows.length - maxRows} more rows (${t.rows.length} in all)`);
  return out.join("\n").replace(/ +$/gm, "");
}

/** What `run` prints on stdout: a table for DataFrames, Series and Arrow Tables, JSON for a dict. */
export function formatResult(result: unknown): string {
  if (isDataFrame(result) || isSeries(result) || isArrowTable(result)) {
    const t = toTabular(result);
    return `${renderTable(t)}\n[${t.rows.length} rows × ${t.columns.length - (t.indexed ? 1 : 0)} columns]`;
  }
  return JSON.stringify(toPlain(result), null, 2) ?? "undefined";
}

function csvCell(x: unknown): string {
  const s = cellText(x);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The file formats `--out` understands, by extension. */
export const OUT_FORMATS = [".json", ".csv", ".arrow"] as const;

/**
 * Write the result to `file`, in the format its extension names. `.arrow` needs
 * `@hamilton-ts/results-arrow`; a non-Arrow result is converted with
 * `ArrowTableResult` from the raw outputs.
 */
export async function writeResult(file: string, result: unknown, outputs: Record<string, unknown>): Promise<void> {
  const ext = extname(file).toLowerCase();
  if (!(OUT_FORMATS as readonly string[]).includes(ext)) {
    throw new UsageError(`--out: unknown file type "${ext || file}"; use one of ${OUT_FORMATS.join(", ")}`);
  }
  mkdirSync(dirname(file), { recursive: true });
  if (ext === ".arrow") return writeArrow(file, result, outputs);
  let data: string;
  if (ext === ".json") data = JSON.stringify(toPlain(result), null, 2) + "\n";
  else {
    const t = toTabular(result);
    data = [t.columns.map(csvCell).join(","), ...t.rows.map((r) => r.map(csvCell).join(","))].join("\n") + "\n";
  }
  writeFileSync(file, data);
}

type WriteArrowFile = (path: string, table: unknown) => Promise<void>;

async function writeArrow(file: string, result: unknown, outputs: Record<string, unknown>): Promise<void> {
  const spec = "@hamilton-ts/results-arrow";
  let table = result;
  if (!isArrowTable(table)) {
    const mod = await importPlugin(spec, "--out .arrow");
    const builder = pluginExport<{ buildResult?: (o: Record<string, unknown>) => unknown }>(mod, "ArrowTableResult", spec, "--out .arrow");
    const source = isDataFrame(result) ? columnsOf(toTabular(result)) : outputs;
    try {
      table = builder.buildResult!(source);
    } catch (error) {
      throw new UsageError(`--out .arrow: ${(error as Error).message ?? String(error)}`, { cause: error });
    }
  }
  const fileSpec = `${spec}/file`;
  const fileMod = await importPlugin(fileSpec, "--out .arrow");
  const write = pluginExport<WriteArrowFile>(fileMod, "writeArrowFile", fileSpec, "--out .arrow");
  await write(file, table);
}

function columnsOf(t: Tabular): Record<string, unknown[]> {
  return Object.fromEntries(t.columns.map((c, i) => [c, t.rows.map((r) => r[i])]));
}

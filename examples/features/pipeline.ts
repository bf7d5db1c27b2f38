// A small feature-engineering pipeline: columns in, features out.
// Run it with `pnpm --filter @hamilton-ts/examples features`, or through the CLI:
//   hamilton-ts run examples/features/pipeline.ts -O customer_id,spend_scaled,is_loyal -c scaling=minmax -r dataframe
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configWhen } from "@hamilton-ts/kernel";

type Row = Record<string, string>;
const DATA = fileURLToPath(new URL("./data/customers.csv", import.meta.url));

function _column(rows: Row[], name: string): number[] {
  return rows.map((r) => Number(r[name]));
}

/** The raw table, one object per CSV row. */
export function raw_rows(csv_path: string = DATA): Row[] {
  const [header, ...lines] = readFileSync(csv_path, "utf8").trim().split(/\r?\n/);
  const names = header!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i]!, v])));
}

export function customer_id(raw_rows: Row[]): string[] {
  return raw_rows.map((r) => r.customer_id!);
}

export function spend(raw_rows: Row[]): number[] {
  return _column(raw_rows, "spend");
}

export function orders(raw_rows: Row[]): number[] {
  return _column(raw_rows, "orders");
}

/** Years since signup, as of `as_of_year` (an input with a default). */
export function tenure_years(raw_rows: Row[], as_of_year: number = 2024): number[] {
  return _column(raw_rows, "signup_year").map((y) => as_of_year - y);
}

export function spend_per_order(spend: number[], orders: number[]): number[] {
  return spend.map((s, i) => Math.round((s / Math.max(1, orders[i]!)) * 100) / 100);
}

/** Mean spend: override it to score customers against another baseline. */
export function spend_mean(spend: number[]): number {
  return spend.reduce((a, b) => a + b, 0) / spend.length;
}

export function spend_std(spend: number[], spend_mean: number): number {
  return Math.sqrt(spend.reduce((a, s) => a + (s - spend_mean) ** 2, 0) / spend.length);
}

/** `spend_scaled` has two definitions; config `scaling` picks one. */
export const spend_scaled__zscore = configWhen({ scaling: "zscore" }, (spend: number[], spend_mean: number, spend_std: number) =>
  spend.map((s) => Math.round(((s - spend_mean) / spend_std) * 1000) / 1000),
);
export const spend_scaled__minmax = configWhen({ scaling: "minmax" }, (spend: number[]) => {
  const lo = Math.min(...spend);
  const hi = Math.max(...spend);
  return spend.map((s) => Math.round(((s - lo) / (hi - lo)) * 1000) / 1000);
});

/** Loyal: more than three years, and spending above the mean. */
export function is_loyal(tenure_years: number[], spend: number[], spend_mean: number): boolean[] {
  return tenure_years.map((t, i) => t > 3 && spend[i]! > spend_mean);
}

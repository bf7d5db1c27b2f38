// `pnpm --filter @hamilton-ts/examples features`: configWhen variants, an override
// and a DataFrame result, with the classic synchronous Driver.
import { Driver } from "@hamilton-ts/kernel";
import { SimpleDataFrameGraphAdapter } from "@hamilton-ts/results-dataframe";
import * as pipeline from "./pipeline.ts";

const features = ["customer_id", "tenure_years", "spend_per_order", "spend_scaled", "is_loyal"];

for (const scaling of ["zscore", "minmax"]) {
  const dr = new Driver({ scaling }, pipeline, { adapter: new SimpleDataFrameGraphAdapter() });
  const df = (await dr.execute(features)) as { print(): void };
  console.log(`\nFeatures with scaling=${scaling}:`);
  df.print();
}

// An override replaces a node's value; what only it needed is not computed.
const dr = new Driver({ scaling: "zscore" }, pipeline, { adapter: new SimpleDataFrameGraphAdapter() });
const baseline = 1000;
const df = (await dr.execute(features, { overrides: { spend_mean: baseline } })) as { print(): void };
console.log(`\nThe same features against a company-wide baseline (override spend_mean = ${baseline}):`);
df.print();

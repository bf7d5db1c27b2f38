// Apache Hamilton's hello_world (examples/hello_world/my_functions.py), with
// function modifiers: the marketing data is one node whose columns become nodes
// (extractColumns), the per-signup ratios come from one function
// (parameterize), mean and standard deviation from one pass (extractFields),
// and the normalised spend is validated (checkOutput) and tagged (tag).
import { checkOutput, extractColumns, extractFields, parameterize, source, tag, value } from "@hamilton-ts/kernel";

/** Hamilton's example passes these two columns in; here one node loads them. */
export const marketing = extractColumns(["signups", "spend"], () => ({
  signups: [1, 10, 50, 100, 200, 400],
  spend: [10, 10, 20, 40, 40, 50],
}));

/** Rolling 3-week average spend (NaN until three weeks are in, as pandas' rolling(3).mean()). */
export const avg_3wk_spend = (spend: number[]): number[] =>
  spend.map((_, i) => (i < 2 ? Number.NaN : (spend[i]! + spend[i - 1]! + spend[i - 2]!) / 3));

/** Spend per signup, and per thousand signups: one function, two nodes. */
export const spend_per = parameterize(
  {
    spend_per_signup: { per: source("signups") },
    spend_per_1000_signups: { per: source("signups"), scale: value(1000) },
  },
  (spend: number[], per: number[], scale = 1): number[] => spend.map((s, i) => (s / per[i]!) * scale),
);

/** Mean and sample standard deviation of spend (pandas' mean() and std()). */
export const spend_stats = extractFields({ spend_mean: "number", spend_std_dev: "number" }, (spend: number[]) => {
  const mean = spend.reduce((a, b) => a + b, 0) / spend.length;
  const variance = spend.reduce((a, b) => a + (b - mean) ** 2, 0) / (spend.length - 1);
  return { spend_mean: mean, spend_std_dev: Math.sqrt(variance) };
});

/** Spend shifted to zero mean. */
export const spend_zero_mean = (spend: number[], spend_mean: number): number[] => spend.map((s) => s - spend_mean);

/** Spend shifted to zero mean and scaled to unit variance: a z-score, so it must stay within [-3, 3]. */
export const spend_zero_mean_unit_variance = tag(
  { owner: "growth" },
  checkOutput({ range: [-3, 3], importance: "fail" }, (spend_zero_mean: number[], spend_std_dev: number): number[] =>
    spend_zero_mean.map((s) => s / spend_std_dev),
  ),
);

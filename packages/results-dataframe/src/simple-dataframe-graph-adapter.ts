import { SimpleGraphAdapter } from "@hamilton-ts/kernel";
import type { DataFrame } from "danfojs-node";
import { DataFrameResult } from "./dataframe-result.js";

/**
 * Hamilton's default adapter: runs nodes in the calling process and makes
 * `execute()` return a danfo DataFrame (`DataFrameResult`).
 *
 * @example
 * const dr = new Driver({}, [pipeline], { adapter: new SimpleDataFrameGraphAdapter() });
 * const df = (await dr.execute(["a", "b"])) as DataFrame;
 */
export class SimpleDataFrameGraphAdapter extends SimpleGraphAdapter {
  constructor() {
    super(new DataFrameResult());
  }
  static override buildResult(outputs: Record<string, unknown>): DataFrame {
    return DataFrameResult.buildResult(outputs);
  }
}

// Hamilton's hello_world my_script.py: build a driver from the module and ask
// for five columns. `execute()` is typed by the module: every column is number[].
import { Driver } from "@hamilton-ts/kernel";
import * as myFunctions from "./my_functions.js";

const dr = new Driver({}, myFunctions);
const outputColumns = ["spend", "signups", "avg_3wk_spend", "spend_per_signup", "spend_zero_mean_unit_variance"] as const;
const df = await dr.execute([...outputColumns]);

const rows = df.spend.map((_, i) => Object.fromEntries(outputColumns.map((c) => [c, Number(df[c][i]!.toFixed(6))])));
console.table(rows);
const owned = dr.listAvailableVariables().filter((v) => v.tags.owner === "growth").map((v) => v.name);
console.log(`owned by growth: ${owned.join(", ")}`);

import { toModuleUrl } from "../remote/module-location.js";

declare const __filename: string | undefined;

/** This module's URL in the ESM build and the source (`import.meta`), and in the CJS build (where `import.meta` is empty). */
const here: string = (import.meta as { url?: string }).url ?? toModuleUrl(typeof __filename === "string" ? __filename : "");

/** A scenario module shipped with the kernel (plain JavaScript, so any worker imports it by location). */
export function scenarioModule(file: string): URL {
  return new URL(`./scenarios/${file}`, here);
}

/** One shared scenario: modules by location, the request, and the expected outputs. */
export interface Scenario {
  readonly name: string;
  readonly modules: readonly URL[];
  readonly config?: Readonly<Record<string, unknown>>;
  readonly finalVars: readonly string[];
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly expected: Readonly<Record<string, unknown>>;
}

const at = scenarioModule;

/** The scenarios every executor must get right, under every grouping strategy. */
export const scenarios: readonly Scenario[] = [
  { name: "linear graph", modules: [at("basic.mjs")], finalVars: ["b"], inputs: { x: 1 }, expected: { b: 4 } },
  { name: "diamond graph with an optional input defaulted", modules: [at("basic.mjs")], finalVars: ["d"], inputs: { x: 1 }, expected: { d: 24 } },
  { name: "diamond graph with the optional input given", modules: [at("basic.mjs")], finalVars: ["d", "c"], inputs: { x: 1, scale: 1 }, expected: { d: 6, c: 2 } },
  { name: "async node", modules: [at("basic.mjs")], finalVars: ["slow_double"], inputs: { x: 0 }, expected: { slow_double: 24 } },
  { name: "input requested as an output", modules: [at("basic.mjs")], finalVars: ["x", "a"], inputs: { x: 5 }, expected: { x: 5, a: 6 } },
  { name: "override of an inner node", modules: [at("basic.mjs")], finalVars: ["d"], overrides: { a: 1 }, expected: { d: 12 } },
  {
    name: "map-reduce with external values and an input in the collect node",
    modules: [at("map-reduce.mjs")],
    finalVars: ["total", "after_total"],
    inputs: { number_of_steps: 5, base: 1, offset: 100 },
    expected: { total: 160, after_total: 158 },
  },
  {
    name: "map-reduce with config as input",
    modules: [at("map-reduce.mjs")],
    config: { base: 2 },
    finalVars: ["total"],
    inputs: { number_of_steps: 4 },
    expected: { total: 56 },
  },
  { name: "override on the expander", modules: [at("map-reduce.mjs")], finalVars: ["total"], inputs: { base: 1 }, overrides: { steps: [3, 4] }, expected: { total: 50 } },
  {
    name: "override on the collect node",
    modules: [at("map-reduce.mjs")],
    finalVars: ["after_total"],
    inputs: { base: 1 },
    overrides: { total: 1000 },
    expected: { after_total: 998 },
  },
  {
    name: "async nodes and an async-iterable expander keep item order",
    modules: [at("async-nodes.mjs")],
    finalVars: ["all_fetched"],
    inputs: { count: 7 },
    expected: { all_fetched: "DOC-0,DOC-1,DOC-2,DOC-3,DOC-4,DOC-5,DOC-6" },
  },
  {
    name: "nested parallel blocks and a function collecting two parameters",
    modules: [at("nested.mjs")],
    finalVars: ["report", "grand_total"],
    inputs: { group_sizes: [2, 0, 3] },
    expected: { report: { sums: [401, 0, 903], labels: ["2:401", "0:0", "3:903"] }, grand_total: 1304 },
  },
  { name: "empty expander: collect gets []", modules: [at("edge-cases.mjs")], finalVars: ["empty_collected"], expected: { empty_collected: { count: 0, items: [] } } },
  { name: "collecting the expander's own items", modules: [at("edge-cases.mjs")], finalVars: ["letters_seen"], inputs: { word: "abc" }, expected: { letters_seen: "a-b-c" } },
  { name: "collect with several other arguments", modules: [at("edge-cases.mjs")], finalVars: ["summary"], inputs: { word: "ab" }, expected: { summary: "[ab]97.98[ab]!2" } },
  { name: "configWhen picks the fast variant", modules: [at("edge-cases.mjs")], config: { mode: "fast" }, finalVars: ["mode"], expected: { mode: "fast-path" } },
  { name: "configWhen picks the slow variant", modules: [at("edge-cases.mjs")], config: { mode: "slow" }, finalVars: ["mode"], expected: { mode: "slow-path" } },
  { name: "two parallel blocks in sequence", modules: [at("edge-cases.mjs")], finalVars: ["second_sum"], inputs: { summary_count: 4 }, expected: { second_sum: -30 } },
];

/** The module of the failure, abort, concurrency and timeout cases. */
export const faultsModule: URL = at("faults.mjs");

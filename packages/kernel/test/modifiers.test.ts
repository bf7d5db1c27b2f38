// Hamilton's function-modifier tests (tests/function_modifiers/test_expanders.py,
// test_metadata.py), in our words, plus what makes modifier nodes real nodes:
// queries, drawings, hooks, overrides, parallel blocks, every local executor.
import { describe, expect, test } from "vitest";
import {
  Builder,
  ConcurrentLocalTaskExecutor,
  Driver,
  GraphError,
  NodeExecutionError,
  SynchronousLocalTaskExecutor,
  collect,
  configWhen,
  extractColumns,
  extractFields,
  node,
  parallelizable,
  parameterize,
  source,
  tag,
  value,
  type Variable,
} from "../src/index.js";
import { FunctionGraph, nodesFromModules, registerColumnAccess, type PreNodeExecuteArgs } from "../src/contracts.js";

const vars = (dr: Driver) => new Map(dr.listAvailableVariables().map((v) => [v.name, v] as const));
const names = (vs: readonly Variable[]) => vs.map((v) => v.name).sort();
const specsOf = (mod: Record<string, unknown>, config: Record<string, unknown> = {}) =>
  nodesFromModules([{ name: "module #1", exports: mod }], config);

/** Drivers over the same modules: classic, and dynamic with each local executor. */
type Make = (mods: Record<string, unknown>[], options?: { config?: Record<string, unknown>; adapters?: object[] }) => Promise<Driver>;
const builder = (mods: Record<string, unknown>[], options: { config?: Record<string, unknown>; adapters?: object[] } = {}) =>
  new Builder().withModules(...mods).withConfig(options.config ?? {}).withAdapters(...(options.adapters ?? []));
const drivers: Array<[string, Make]> = [
  ["classic", async (mods, o) => builder(mods, o).build()],
  [
    "SynchronousLocalTaskExecutor",
    async (mods, o) => builder(mods, o).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(new SynchronousLocalTaskExecutor()).build(),
  ],
  [
    "ConcurrentLocalTaskExecutor",
    async (mods, o) => builder(mods, o).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(new ConcurrentLocalTaskExecutor({ maxTasks: 3 })).build(),
  ],
];

const concat = (upstream_parameter: string, literal_parameter: string) => `${upstream_parameter}${literal_parameter}`;

describe("parameterize", () => {
  test("one node per key; value() binds a constant, the rest stay dependencies by name", async () => {
    const dr = new Driver({}, {
      identity: parameterize({ only: { parameter: value("only_value") }, second: { parameter: value("v2") } }, (parameter: string, other: string) => [parameter, other]),
    });
    const v = vars(dr);
    expect([...v.keys()].sort()).toEqual(["only", "other", "second"]);
    expect(v.get("only")!.dependencies).toEqual(["other"]);
    expect(await dr.execute(["only", "second"], { inputs: { other: "static" } })).toEqual({ only: ["only_value", "static"], second: ["v2", "static"] });
  });

  test("source() renames a dependency; {} binds nothing; both kinds together", async () => {
    const mod = {
      foo_source: () => "foo",
      concat: parameterize(
        {
          replace_none: {},
          replace_upstream: { upstream_parameter: source("foo_source") },
          replace_literal: { literal_parameter: value("bar") },
          replace_both: { upstream_parameter: source("foo_source"), literal_parameter: value("bar") },
        },
        concat,
      ),
    };
    const dr = new Driver({}, mod);
    const v = vars(dr);
    expect(v.get("replace_none")!.dependencies).toEqual(["upstream_parameter", "literal_parameter"]);
    expect(v.get("replace_upstream")!.dependencies).toEqual(["foo_source", "literal_parameter"]);
    expect(v.get("replace_literal")!.dependencies).toEqual(["upstream_parameter"]);
    expect(v.get("replace_both")!.dependencies).toEqual(["foo_source"]);
    expect(v.has("concat")).toBe(false); // the export key names no node
    expect(await dr.execute(["replace_none", "replace_upstream", "replace_literal", "replace_both"], { inputs: { upstream_parameter: "u", literal_parameter: "l" } })).toEqual({
      replace_none: "ul",
      replace_upstream: "fool",
      replace_literal: "ubar",
      replace_both: "foobar",
    });
  });

  test("several parameters bound to one source depend on it once", async () => {
    const dr = new Driver({}, { x: () => 1, foo: parameterize({ doubled: { a: source("x"), b: source("x") } }, (a: number, b: number) => a + b) });
    expect(vars(dr).get("doubled")!.dependencies).toEqual(["x"]);
    expect(await dr.execute(["doubled"])).toEqual({ doubled: 2 });
  });

  test("a key may equal its own export key; defaults stay optional; an optional source stays optional", async () => {
    const dr = new Driver({}, { total: parameterize({ total: { scale: value(10) }, other: { base: source("b", { input: true }) } }, (base: number, scale = 1) => base * scale) });
    const v = vars(dr);
    expect(v.get("total")!.dependencies).toEqual(["base"]);
    expect(v.get("other")!.dependencies).toEqual(["b", "scale"]);
    expect(v.get("scale")!.isOptional).toBe(true);
    expect(await dr.execute(["total", "other"], { inputs: { base: 2, b: 3 } })).toEqual({ total: 20, other: 3 });
  });

  test("parallelizable and collect survive parameterize; a collected parameter follows its source", async () => {
    const mod = {
      n: () => 3,
      m: () => 2,
      items: parameterize({ items_n: { count: source("n") }, items_m: { count: source("m") } }, parallelizable((count: number) => Array.from({ length: count }, (_, i) => i + 1))),
      sq_n: (items_n: number) => items_n ** 2,
      sq_m: (items_m: number) => items_m ** 2,
      sums: parameterize({ sum_n: { xs: source("sq_n") }, sum_m: { xs: source("sq_m") } }, collect("xs", (xs: number[]) => xs.reduce((a, b) => a + b, 0))),
    };
    for (const [, make] of drivers.slice(1)) {
      const dr = await make([mod]);
      const v = vars(dr);
      expect(v.get("items_n")!.isParallelizable).toBe(true);
      expect(v.get("sum_m")!.isCollect).toBe(true);
      expect(await dr.execute(["sum_n", "sum_m"])).toEqual({ sum_n: 14, sum_m: 5 });
    }
  });

  test("malformed specs are errors naming module, node and parameter", () => {
    expect(() => parameterize({}, concat)).toThrow(/spec must map each node to create to its bindings/);
    expect(() => specsOf({ c: parameterize({ a: { upstream_parameter: "foo" as never } }, concat) })).toThrow(
      /parameterize in module #1 \(export c\): parameter "upstream_parameter" of node "a" must be bound with value\(x\) or source\("node"\), got the string "foo"/,
    );
    expect(() => specsOf({ c: parameterize({ a: null as never }, concat) })).toThrow(/node "a" needs an object of bindings/);
    expect(() => parameterize({ a: {} }, parameterize({ b: {} }, concat))).toThrow(/parameterized already/);
    expect(() => source("")).toThrow(/source\(name\) needs a node name/);
    // a parameter the function does not have
    expect(() => specsOf({ concat: parameterize({ a: { nope: value(1) } }, concat) })).toThrow(
      /parameterize in module #1 \(export concat\): node "a" binds parameter "nope", which the function does not have \(parameters: upstream_parameter, literal_parameter\)/,
    );
    // a collected parameter bound to a constant
    expect(() => specsOf({ c: parameterize({ a: { xs: value([1]) } }, collect("xs", (xs: number[]) => xs)) })).toThrow(/binds collected parameter "xs" to a value/);
  });

  test("a source() naming no node is a build error; a config key or { input: true } is fine", async () => {
    const mod = { p: parameterize({ a: { upstream_parameter: source("signups") } }, concat) };
    expect(() => new Driver({}, mod)).toThrow(GraphError);
    expect(() => new Driver({}, mod)).toThrow(/parameterize in module #1 \(p\) \(export p\): node "a" binds parameter "upstream_parameter" to source\("signups"\), but no module defines a node "signups".*source\("signups", \{ input: true \}\)/);
    expect(await new Driver({ signups: "s" }, mod).execute(["a"], { inputs: { literal_parameter: "!" } })).toEqual({ a: "s!" });
    const asInput = { p: parameterize({ a: { upstream_parameter: source("signups", { input: true }) } }, concat) };
    expect(vars(new Driver({}, asInput)).get("signups")!.isInput).toBe(true);
    // a near miss is suggested
    expect(() => new Driver({}, { signups: () => "s", p: parameterize({ a: { upstream_parameter: source("signup") } }, concat) })).toThrow(/no such key \(did you mean "signups"\?\)/);
    // a node of another module counts
    expect(await new Driver({}, [{ signups: () => "from two" }, mod]).execute(["a"], { inputs: { literal_parameter: "" } })).toEqual({ a: "from two" });
  });

  test("a key that clashes with another export, or two modifiers creating one node, is a build error naming both", () => {
    expect(() => new Driver({}, { a: () => "plain", p: parameterize({ a: {} }, concat) })).toThrow(
      /Node "a" is created twice in module #1 \(a, p\): by export a and by parameterize of export p/,
    );
    expect(() => new Driver({}, { s: extractFields(["mean"], () => ({ mean: 1 })), t: extractFields(["mean"], () => ({ mean: 2 })) })).toThrow(
      /Node "mean" is created twice in module #1.*extractFields of export s and by extractFields of export t/,
    );
    // across modules it is the usual "defined in two modules"
    expect(() => new Driver({}, [{ mean: () => 0 }, { s: extractFields(["mean"], () => ({ mean: 1 })) }])).toThrow(/"mean" is defined in two modules/);
  });

  test("the code of a parameterized node is described with its bindings (for cache code versions)", () => {
    const [spec] = specsOf({ x: () => 1, p: parameterize({ a: { upstream_parameter: source("x"), literal_parameter: value({ k: [1, 2] }) } }, concat) }).filter((s) => s.name === "a");
    expect(spec!.modifier).toBe('parameterize(upstream_parameter=source(x), literal_parameter=value({"k":[1,2]}))');
    expect(spec!.source).toBe(concat);
  });
});

describe("extractFields", () => {
  test("the object node plus one node per field, each depending on the object", async () => {
    const mod = { dummy_dict: extractFields({ col_1: "array", col_2: "number" }, () => ({ col_1: [1, 2, 3, 4], col_2: 1, col_3: "unused" })) };
    const dr = new Driver({}, mod);
    const v = vars(dr);
    expect([...v.keys()].sort()).toEqual(["col_1", "col_2", "dummy_dict"]);
    expect(v.get("col_1")!.dependencies).toEqual(["dummy_dict"]);
    expect(await dr.execute(["col_1", "col_2"])).toEqual({ col_1: [1, 2, 3, 4], col_2: 1 });
    expect(await new Driver({}, { d: extractFields(["a", "b"], () => ({ a: 1, b: 2 })) }).execute(["a", "b", "d"])).toEqual({ a: 1, b: 2, d: { a: 1, b: 2 } });
  });

  test("a missing field fails that field's node, naming the field and the object node; fillWith fills it", async () => {
    const dr = new Driver({}, { dummy_dict: extractFields(["col_4"], () => ({ col_1: 1, col_2: 2 })) });
    const err = await dr.execute(["col_4"]).catch((e: unknown) => e);
    expect(NodeExecutionError.isInstance(err)).toBe(true);
    expect((err as NodeExecutionError).nodeName).toBe("col_4");
    expect((err as Error).message).toMatch(/Field "col_4" is missing from the value of node "dummy_dict" \(it has: col_1, col_2\).*fillWith/);
    const filled = new Driver({}, { dummy_dict: extractFields({ col_2: "number", col_4: "number" }, () => ({ col_1: [1], col_2: 1 }), { fillWith: 1.5 }) });
    expect(await filled.execute(["col_2", "col_4"])).toEqual({ col_2: 1, col_4: 1.5 });
  });

  test("fields are own properties, getters, or Map entries; never what Object.prototype has", async () => {
    class Stats {
      constructor(private readonly xs: number[]) {}
      get mean() {
        return this.xs.reduce((a, b) => a + b, 0) / this.xs.length;
      }
    }
    expect(await new Driver({}, { s: extractFields(["mean"], () => new Stats([1, 3])) }).execute(["mean"])).toEqual({ mean: 2 });
    expect(await new Driver({}, { m: extractFields(["k"], () => new Map([["k", "v"]])) }).execute(["k"])).toEqual({ k: "v" });
    for (const field of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const dr = new Driver({}, { o: extractFields([field], () => ({ a: 1 })) });
      await expect(dr.execute([field])).rejects.toThrow(new RegExp(`Field "${field}" is missing from the value of node "o"`));
      if (field === "__proto__") continue; // (an output named __proto__ is the result builder's business)
      const own = new Driver({}, { o: extractFields([field], () => JSON.parse(`{"${field}": 7}`) as object) });
      expect(await own.execute([field])).toEqual({ [field]: 7 });
    }
    await expect(new Driver({}, { o: extractFields(["a"], () => null) }).execute(["a"])).rejects.toThrow(/node "o" returned null, not an object with field "a"/);
  });

  test("an async object node: fields get the awaited value", async () => {
    const dr = new Driver({}, { o: extractFields(["a"], async () => ({ a: 41 })), plus: (a: number) => a + 1 });
    expect(await dr.execute(["plus"])).toEqual({ plus: 42 });
  });

  test("bad field specs are definition errors", () => {
    for (const bad of [[], {}, "string_input", [1], ["a", "a"], [""], null]) {
      expect(() => extractFields(bad as never, () => ({}))).toThrow(/extractFields\(fields, fn\): expected distinct names/);
    }
    expect(() => extractFields(["a"], extractFields(["b"], () => ({})))).toThrow(/extracts already/);
    expect(() => specsOf({ p: extractFields(["a"], parallelizable(() => [1])) })).toThrow(/Node "p" \(module #1\) is parallelizable and extracts fields/);
    expect(() => parameterize({ a: {}, b: {} }, extractFields(["x"], () => ({ x: 1 })))).toThrow(/cannot be combined with extractFields/);
    // one parameterized node may extract
    expect(specsOf({ p: parameterize({ only: { k: value(2) } }, extractFields(["x"], (k: number) => ({ x: k }))) }).map((s) => s.name)).toEqual(["only", "x"]);
  });
});

describe("extractColumns", () => {
  test("a plain object of arrays: the table node plus one node per column", async () => {
    const mod = { df: extractColumns(["col_1", "col_2"], () => ({ col_1: [1, 2, 3, 4], col_2: Float64Array.from([11, 12, 13, 14]) })), sum: (col_1: number[]) => col_1.reduce((a, b) => a + b, 0) };
    const dr = new Driver({}, mod);
    expect(vars(dr).get("col_2")!.dependencies).toEqual(["df"]);
    const out = await dr.execute(["sum", "col_2"]);
    expect(out.sum).toBe(10);
    expect(out.col_2).toEqual(Float64Array.from([11, 12, 13, 14]));
  });

  test("a missing column names it and the node; fillWith makes a column of one value", async () => {
    const mod = { df: extractColumns(["col_3"], () => ({ col_1: [1, 2, 3, 4] })) };
    await expect(new Driver({}, mod).execute(["col_3"])).rejects.toThrow(/Column "col_3" is missing from the value of node "df" \(it has: col_1\)/);
    const filled = { df: extractColumns(["col_3"], () => ({ col_1: [1, 2, 3, 4] }), { fillWith: 0 }) };
    expect(await new Driver({}, filled).execute(["col_3"])).toEqual({ col_3: [0, 0, 0, 0] });
  });

  test("a value no column access knows is an error that says which plugin to import", async () => {
    await expect(new Driver({}, { df: extractColumns(["a"], () => new Date()) }).execute(["a"])).rejects.toThrow(
      /node "df" returned a Date, which no column access knows.*@hamilton-ts\/results-arrow.*registerColumnAccess/,
    );
  });

  test("plugins teach it a table type with registerColumnAccess", async () => {
    class Grid {
      constructor(readonly cols: Map<string, number[]>) {}
    }
    registerColumnAccess<Grid>({
      id: "test-grid",
      test: (v): v is Grid => v instanceof Grid,
      columnNames: (g) => [...g.cols.keys()],
      column: (g, name) => g.cols.get(name),
    });
    const dr = new Driver({}, { g: extractColumns(["x"], () => new Grid(new Map([["x", [1, 2]]]))) });
    expect(await dr.execute(["x"])).toEqual({ x: [1, 2] });
    await expect(new Driver({}, { g: extractColumns(["y"], () => new Grid(new Map())) }).execute(["y"])).rejects.toThrow(/Column "y" is missing/);
  });
});

describe("tag", () => {
  test("tags every node the definition creates; inner and outer tags merge, the outer wins", () => {
    const mod = {
      t: tag({ owner: "growth", level: "outer" }, extractFields(["a"], node(() => ({ a: 1 }), { tags: { level: "inner", pii: "false" } }))),
      p: tag({ team: "x" }, parameterize({ p1: {}, p2: {} }, () => 1)),
    };
    const v = vars(new Driver({}, mod));
    expect(v.get("t")!.tags).toEqual({ owner: "growth", level: "outer", pii: "false" });
    expect(v.get("a")!.tags).toEqual({ owner: "growth", level: "outer", pii: "false" });
    expect(v.get("p1")!.tags).toEqual({ team: "x" });
    expect(v.get("p2")!.tags).toEqual({ team: "x" });
  });

  test("tag values must be strings", () => {
    expect(() => tag({ owner: 5 } as never, () => 1)).toThrow(/tag\(tags, fn\): tags must be an object of string values/);
    expect(() => tag(["a"] as never, () => 1)).toThrow(/tags must be/);
  });
});

describe("modifier nodes are real nodes", () => {
  const mod = () => ({
    raw: () => ({ spend: [10, 20, 30], signups: [1, 2, 5] }),
    frame: extractColumns(["spend", "signups"], (raw: { spend: number[]; signups: number[] }) => raw),
    per: tag({ kind: "ratio" }, parameterize(
      { spend_per_signup: { denom: source("signups") }, spend_doubled: { denom: value([0.5, 0.5, 0.5]) } },
      (spend: number[], denom: number[]) => spend.map((s, i) => s / denom[i]!),
    )),
    stats: extractFields(["mean", "max"], (spend_per_signup: number[]) => ({ mean: spend_per_signup.reduce((a, b) => a + b, 0) / spend_per_signup.length, max: Math.max(...spend_per_signup) })),
    report: (mean: number, max: number, spend_doubled: number[]) => `${mean.toFixed(1)}/${max}/${spend_doubled.join(",")}`,
  });

  test.each(drivers)("requested, used as inputs, overridden (%s)", async (_name, make) => {
    const dr = await make([mod()]);
    expect(await dr.execute(["report", "signups"])).toEqual({ report: "8.7/10/20,40,60", signups: [1, 2, 5] });
    // overriding a column node skips the table; overriding the object node feeds its fields
    expect(await dr.execute(["spend_per_signup"], { overrides: { signups: [10, 10, 10] } })).toEqual({ spend_per_signup: [1, 2, 3] });
    expect(await dr.execute(["report"], { overrides: { stats: { mean: 1, max: 2 } } })).toEqual({ report: "1.0/2/20,40,60" });
  });

  test("queries and drawings include them", async () => {
    const dr = new Driver({}, mod());
    expect(names(dr.whatIsUpstreamOf("mean"))).toEqual(["frame", "mean", "raw", "signups", "spend", "spend_per_signup", "stats"]);
    expect(names(dr.whatIsDownstreamOf("signups"))).toEqual(["max", "mean", "report", "signups", "spend_per_signup", "stats"]);
    expect(vars(dr).get("spend_per_signup")!.tags).toEqual({ kind: "ratio" });
    const dot = dr.displayAllFunctions();
    for (const n of ["frame", "spend", "signups", "spend_per_signup", "spend_doubled", "stats", "mean", "max"]) expect(dot).toContain(`"${n}"`);
    expect(dr.visualizeExecution(["mean"])).not.toContain('"spend_doubled"');
  });

  test.each(drivers)("hooks fire for every modifier node with its tags (%s)", async (_name, make) => {
    const seen: Array<[string, Readonly<Record<string, string>>]> = [];
    const hooks = { preNodeExecute: (a: PreNodeExecuteArgs) => void seen.push([a.nodeName, a.nodeTags]) };
    const dr = await make([mod()], { adapters: [hooks] });
    await dr.execute(["report"]);
    expect(seen.map(([n]) => n).sort()).toEqual(["frame", "max", "mean", "raw", "report", "signups", "spend", "spend_doubled", "spend_per_signup", "stats"]);
    expect(Object.fromEntries(seen)["spend_doubled"]).toEqual({ kind: "ratio" });
  });

  test.each(drivers.slice(1))("they work inside parallel blocks (%s)", async (_name, make) => {
    const block = {
      item: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
      row: extractFields(["lo", "hi"], (item: number) => ({ lo: item, hi: item * 10 })),
      scaled: parameterize({ scaled_lo: { x: source("lo") }, scaled_hi: { x: source("hi"), k: value(2) } }, (x: number, k = 1) => x * k),
      total: collect(["scaled_lo", "scaled_hi"], (scaled_lo: number[], scaled_hi: number[]) => scaled_lo.reduce((a, b) => a + b, 0) + scaled_hi.reduce((a, b) => a + b, 0)),
    };
    const dr = await make([block]);
    // lo: 0+1+2 = 3; hi*2: (0+10+20)*2 = 60
    expect(await dr.execute(["total"], { inputs: { n: 3 } })).toEqual({ total: 63 });
  });

  test("the graph fingerprint covers the nodes modifiers create", () => {
    const fp = (m: Record<string, unknown>) => new FunctionGraph(specsOf(m)).fingerprint();
    const base = { s: extractFields(["a", "b"], () => ({ a: 1, b: 2 })) };
    expect(fp(base)).toBe(fp({ s: extractFields(["a", "b"], () => ({ a: 1, b: 2 })) }));
    expect(fp(base)).not.toBe(fp({ s: extractFields(["a", "c"], () => ({ a: 1, c: 2 })) }));
    expect(fp({ x: () => 1, p: parameterize({ q: { v: source("x") } }, (v: number) => v) })).not.toBe(fp({ x: () => 1, p: parameterize({ q: { v: value(1) } }, (v: number) => v) }));
  });

  test("configWhen chooses between modifier definitions; unchosen ones create nothing", async () => {
    const mod = {
      stats__v1: configWhen({ v: 1 }, extractFields(["mean"], () => ({ mean: 1 }))),
      stats__v2: configWhen({ v: 2 }, extractFields(["mean"], () => ({ mean: 2 }))),
    };
    expect(await new Driver({ v: 2 }, mod).execute(["mean", "stats"])).toEqual({ mean: 2, stats: { mean: 2 } });
    expect(new Driver({ v: 3 }, mod).listAvailableVariables()).toEqual([]);
    expect(() => new Driver({ v: 1 }, { ...mod, other__v1: configWhen({ v: 1 }, extractFields(["mean"], () => ({ mean: 3 }))) })).toThrow(/Several variants of node "mean"/);
  });
});

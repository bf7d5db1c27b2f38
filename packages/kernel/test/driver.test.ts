import { describe, expect, test, vi } from "vitest";
import { Builder, collect, configWhen, Driver, GraphError, HamiltonError, InputValidationError, node, NodeExecutionError, parallelizable } from "../src/index.js";

const diamond = {
  a(x: number) {
    return x + 1;
  },
  b(a: number) {
    return a * 2;
  },
  c(a: number, scale = 10) {
    return a * scale;
  },
  d(b: number, c: number) {
    return b + c;
  },
  lonely(y: number) {
    return y;
  },
};

describe("building the graph", () => {
  test("export keys are node names; _ keys and non-functions are skipped", () => {
    const dr = new Driver({}, { ...diamond, _hidden: () => 1, constant: 3, label: "x" });
    const names = dr.listAvailableVariables().map((v) => v.name).sort();
    expect(names).toEqual(["a", "b", "c", "d", "lonely", "scale", "x", "y"]);
  });

  test("listAvailableVariables describes nodes and inputs", () => {
    const dr = new Driver({}, { ...diamond, tagged: node((d: number) => d, { tags: { owner: "data" } }) });
    const byName = new Map(dr.listAvailableVariables().map((v) => [v.name, v]));
    expect(byName.get("x")).toMatchObject({ isInput: true, isOptional: false });
    expect(byName.get("scale")).toMatchObject({ isInput: true, isOptional: true });
    expect(byName.get("tagged")).toMatchObject({ isInput: false, tags: { owner: "data" }, dependencies: ["d"] });
  });

  test("a cycle is an error listing the nodes on it", () => {
    const mod = { p: (r: number) => r, q: (p: number) => p, r: (q: number) => q, ok: (p: number) => p };
    expect(() => new Driver({}, mod)).toThrow(GraphError);
    expect(() => new Driver({}, mod)).toThrow(/cycle: (p -> q -> r -> p|q -> r -> p -> q|r -> p -> q -> r)/);
  });

  test("a node defined in two modules names both; allowModuleOverrides lets the later win", async () => {
    const one = { shared: () => 1 };
    const two = { shared: () => 2, other: () => 3 };
    await expect(new Builder().withModules(one, two).build()).rejects.toThrow(/"shared" is defined in two modules: module #1.*module #2/);
    const dr = await new Builder().withModules(one, two).allowModuleOverrides().build();
    expect(await dr.execute(["shared"])).toEqual({ shared: 2 });
  });

  test("configWhen: no matching variant leaves the node absent; several matching is an error naming the node", async () => {
    const mod = {
      model__a: configWhen({ kind: "a" }, () => "A"),
      model__b: configWhen({ kind: "b" }, () => "B"),
      model__any: configWhen((cfg) => cfg.loose === true, () => "ANY"),
    };
    const absent = new Driver({ kind: "c" }, mod);
    expect(absent.listAvailableVariables().map((v) => v.name)).toEqual([]);
    expect(() => absent.validateExecution(["consumer"])).toThrow(/unknown output "consumer"/);
    const downstream = new Driver({ kind: "c" }, { ...mod, uses: (model: string) => `${model}!` });
    expect(() => downstream.validateExecution(["uses"])).toThrow(/missing input "model"/);
    expect(await downstream.execute(["uses"], { inputs: { model: "given" } })).toEqual({ uses: "given!" });
    expect(() => new Driver({ kind: "a", loose: true }, mod)).toThrow(/Several variants of node "model".*model__a.*model__any/);
    expect(new Driver({ kind: "b" }, mod).listAvailableVariables().map((v) => v.name)).toEqual(["model"]);
  });

  test("a destructured parameter is a clear error pointing to node(fn, { deps })", () => {
    expect(() => new Driver({}, { bad: ({ a }: { a: number }) => a })).toThrow(/Node "bad" has a destructured parameter.*node\(fn, \{ deps/);
  });

  test("node(fn, { deps }) works for minified functions", async () => {
    const dr = new Driver({}, { x: () => 2, y: () => 3, area: node((e: number, t: number) => e * t, { deps: ["x", "y"] }) });
    expect(await dr.execute(["area"])).toEqual({ area: 6 });
  });

  test("collect of a node outside any block, and mixing two blocks, are errors naming the node", () => {
    expect(() => new Driver({}, { a: () => 1, bad: collect("a", (a: number[]) => a) })).toThrow(/Node "bad" collects "a".*not inside a parallel block/);
    const mixed = {
      p: parallelizable(() => [1]),
      q: parallelizable(() => [2]),
      mix: (p: number, q: number) => p + q,
    };
    expect(() => new Driver({}, mixed)).toThrow(/Node "mix" combines "p".*"q".*different parallel blocks/);
  });

  test("collect() of a parameter the function lacks is an error", () => {
    expect(() => new Driver({}, { t: collect("nope", (a: number[]) => a) })).toThrow(/collects "nope", but has no parameter/);
  });
});

describe("execute", () => {
  test("inputs come from execute and from config; config values are inputs", async () => {
    const dr = new Driver({ x: 1 }, diamond);
    expect(await dr.execute(["d"])).toEqual({ d: 24 });
    expect(await dr.execute(["d"], { inputs: { x: 2 } })).toEqual({ d: 36 });
  });

  test("overrides replace a node and skip what only it needed", async () => {
    const spy = vi.fn((x: number) => x + 1);
    const dr = new Driver({}, { ...diamond, a: node(spy, { deps: ["x"] }) });
    expect(await dr.execute(["d"], { overrides: { a: 10 } })).toEqual({ d: 120 });
    expect(spy).not.toHaveBeenCalled();
  });

  test("missing inputs and unknown outputs are reported together, before any node runs", async () => {
    const ran = vi.fn();
    const dr = new Driver({}, { ...diamond, b: (a: number) => (ran(), a) });
    const run = dr.execute(["d", "lonely", "nope", "nada"]);
    await expect(run).rejects.toThrow(InputValidationError);
    const err = (await run.catch((e: unknown) => e)) as InputValidationError;
    expect(err.unknownOutputs).toEqual(["nope", "nada"]);
    expect([...err.missingInputs].sort()).toEqual(["x", "y"]);
    expect(err.message).toMatch(/"x" \(needed by "a"\)/);
    expect(ran).not.toHaveBeenCalled();
    expect(() => dr.validateExecution(["d"])).toThrow(/missing input "x"/);
    expect(() => dr.validateExecution(["d"], { inputs: { x: 1 } })).not.toThrow();
  });

  test("a node's error reaches the caller wrapped with node name and task id, cause and stack intact", async () => {
    const boom = new RangeError("bad value");
    const dr = new Driver({}, { ...diamond, b: () => {
      throw boom;
    } });
    const err = (await dr.execute(["d"], { inputs: { x: 1 } }).catch((e: unknown) => e)) as NodeExecutionError;
    expect(NodeExecutionError.isInstance(err)).toBe(true);
    expect(HamiltonError.isInstance(err)).toBe(true);
    expect(err.nodeName).toBe("b");
    expect(err.taskId).toBeTypeOf("string");
    expect(err.message).toMatch(/Node "b".*bad value/);
    expect(err.cause).toBe(boom);
    expect((err.cause as Error).stack).toContain("driver.test.ts");
  });

  test("async nodes are awaited, and their rejections wrapped", async () => {
    const dr = new Driver({}, {
      v: async () => 5,
      w: async (v: number) => {
        await new Promise((r) => setTimeout(r, 1));
        return v * 2;
      },
      broken: async (v: number) => {
        throw new Error(`nope ${v}`);
      },
    });
    expect(await dr.execute(["w"])).toEqual({ w: 10 });
    await expect(dr.execute(["broken"])).rejects.toMatchObject({ name: "NodeExecutionError", nodeName: "broken" });
  });

  test("an aborted signal rejects with an AbortError and stops running nodes", async () => {
    const ctl = new AbortController();
    const seen: string[] = [];
    const dr = new Driver({}, {
      first: async () => {
        seen.push("first");
        ctl.abort();
        return 1;
      },
      second: (first: number) => (seen.push("second"), first),
    });
    const err = (await dr.execute(["second"], { signal: ctl.signal }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("AbortError");
    expect(seen).toEqual(["first"]);
    await expect(dr.execute(["second"], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
    // a slow async node does not delay the rejection
    const slow = new Driver({}, { wait: () => new Promise((r) => setTimeout(r, 5_000)) });
    const started = Date.now();
    await expect(slow.execute(["wait"], { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: "AbortError" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test("requesting a node inside a parallel block is refused with advice", async () => {
    const dr = await new Builder()
      .withModules({ items: parallelizable(() => [1, 2]), each: (items: number) => items, all: collect("each", (each: number[]) => each) })
      .enableDynamicExecution({ allowExperimentalMode: true })
      .build();
    await expect(dr.execute(["each"])).rejects.toThrow(/"each": it runs once per item inside parallelizable "items".*collects it/);
    expect(await dr.execute(["all", "items"])).toEqual({ all: [1, 2], items: [1, 2] });
  });

  test("executors without dynamic execution are refused at build()", async () => {
    const { SynchronousLocalTaskExecutor } = await import("../src/index.js");
    await expect(new Builder().withModules(diamond).withRemoteExecutor(new SynchronousLocalTaskExecutor()).build()).rejects.toThrow(
      /enableDynamicExecution/,
    );
  });
});

describe("graph queries and pictures", () => {
  const dr = new Driver({}, diamond);
  const names = (vs: { name: string }[]) => vs.map((v) => v.name).sort();

  test("upstream, downstream and path between", () => {
    expect(names(dr.whatIsUpstreamOf("b"))).toEqual(["a", "b", "x"]);
    expect(names(dr.whatIsDownstreamOf("a"))).toEqual(["a", "b", "c", "d"]);
    expect(names(dr.whatIsThePathBetween("x", "d"))).toEqual(["a", "b", "c", "d", "x"]);
    expect(dr.whatIsThePathBetween("lonely", "d")).toEqual([]);
    expect(() => dr.whatIsUpstreamOf("nope")).toThrow(/Unknown node: "nope"/);
  });

  test("displayAllFunctions draws every node as DOT", () => {
    const dot = dr.displayAllFunctions();
    expect(dot).toMatch(/^digraph/);
    for (const n of ["a", "b", "c", "d", "lonely", "x", "y", "scale"]) expect(dot).toContain(`"${n}" [`);
    expect(dot).toContain('"a" -> "b"');
    expect(dot).toMatch(/"x" \[[^\]]*dashed/);
  });

  test("visualizeExecution marks inputs, overrides and outputs differently and leaves out what won't run", () => {
    const dot = dr.visualizeExecution(["d"], { inputs: { x: 1 }, overrides: { c: 3 } });
    expect(dot).not.toContain('"lonely"');
    expect(dot).toMatch(/"d" \[[^\]]*fillcolor="#c8f7c5"/);
    expect(dot).toMatch(/"c" \[[^\]]*override/);
    expect(dot).toMatch(/"x" \[[^\]]*input/);
    expect(dot).not.toContain('"scale"');
  });

  test("parallel blocks are drawn as clusters", async () => {
    const p = await new Builder()
      .withModules({ items: parallelizable((n: number) => [n]), each: (items: number) => items, all: collect("each", (each: number[]) => each) })
      .enableDynamicExecution({ allowExperimentalMode: true })
      .build();
    const dot = p.visualizeExecution(["all"], { inputs: { n: 1 } });
    expect(dot).toMatch(/subgraph "cluster_items"[\s\S]*"each"/);
    expect(dot).toContain('"each" -> "all" [style=bold, arrowhead=crow, label="collect"]');
  });
});

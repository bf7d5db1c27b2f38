import { describe, expect, test } from "vitest";
import { NodeExecutionError, SerializationError } from "../src/index.js";
import { getCodec, registerCodec } from "../src/contracts.js";
import { decodeValue, decodeValueAsync, deserializeError, encodeValue, serializeError, WIRE_KEY } from "../src/remote.js";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe("codec registry", () => {
  test("plain data passes through untouched", () => {
    const value = { a: [1, "two", null, { b: new Date(0) }], t: new Float64Array(3) };
    const { value: wire, transfer } = encodeValue(value);
    expect(wire).toBe(value);
    expect(transfer).toEqual([]);
    expect(decodeValue(structuredClone(wire))).toEqual(value);
    const withMap = { m: new Map([["k", new Set([1])]]) };
    expect(decodeValue(structuredClone(encodeValue(withMap).value))).toEqual(withMap);
  });

  test("a class instance without a codec is an error naming the node and type", () => {
    expect(() => encodeValue({ nested: [new Point(1, 2)] }, { nodeName: "shape" })).toThrow(SerializationError);
    expect(() => encodeValue({ nested: [new Point(1, 2)] }, { nodeName: "shape" })).toThrow(
      /node "shape" at \.nested\[0\] is an instance of Point, and no codec is registered/,
    );
  });

  test("functions and symbols cannot cross", () => {
    expect(() => encodeValue(() => 1, { nodeName: "fn_node" })).toThrow(/node "fn_node" is a function/);
    expect(() => encodeValue({ s: Symbol("x") }, { nodeName: "sym" })).toThrow(/at \.s is a symbol/);
  });

  test("a registered codec encodes, crosses structured clone, and decodes", () => {
    registerCodec<Point>({
      id: "test/point",
      module: "test-points",
      test: (v): v is Point => v instanceof Point,
      encode: (p) => ({ data: [p.x, p.y] }),
      decode: (d) => new Point(...(d as [number, number])),
    });
    expect(getCodec("test/point")).toBeDefined();
    const { value: wire } = encodeValue({ p: new Point(3, 4), list: [new Point(5, 6)] });
    expect((wire as { p: Record<string, unknown> }).p[WIRE_KEY]).toBe("test/point");
    const back = decodeValue(structuredClone(wire)) as { p: Point; list: Point[] };
    expect(back.p).toBeInstanceOf(Point);
    expect(back.list[0]).toEqual(new Point(5, 6));
  });

  test("typed arrays are listed for transfer only when they own their whole buffer", () => {
    const whole = new Float64Array(4);
    const view = new Uint8Array(new ArrayBuffer(16), 4, 4);
    const { transfer } = encodeValue({ whole, view }, { transfer: true });
    expect(transfer).toEqual([whole.buffer]);
  });

  test("a missing codec names the module to import; the async decoder imports it", async () => {
    const wire = { [WIRE_KEY]: "nowhere/thing", module: "data:text/javascript,export default 1", data: 1 };
    expect(() => decodeValue(wire)).toThrow(/No codec "nowhere\/thing".*import "data:text/);
    await expect(decodeValueAsync(wire)).rejects.toThrow(/No codec "nowhere\/thing"/);
  });

  test("errors cross as data with name, message, stack, cause and fields", () => {
    const inner = new TypeError("inner");
    const outer = Object.assign(new Error("outer", { cause: inner }), { code: "E_X" });
    const back = deserializeError(structuredClone(serializeError(outer)));
    expect(back.message).toBe("outer");
    expect(back.stack).toBe(outer.stack);
    expect((back as Error & { code: string }).code).toBe("E_X");
    expect((back.cause as Error).name).toBe("TypeError");
    expect((back.cause as Error).stack).toBe(inner.stack);
    expect(deserializeError(serializeError("plain string")).message).toBe("plain string");
    const wrapped = new NodeExecutionError("n", "t", back);
    expect(wrapped.cause).toBe(back);
  });
});

describe("codec modules in workers", () => {
  test("a TaskRunner imports the driver's codec modules, falling back to the worker's importer", async () => {
    const { TaskRunner } = await import("../src/remote.js");
    const imported: string[] = [];
    await TaskRunner.create({
      modules: [new URL("./scenarios/basic.mjs", import.meta.url)],
      codecModules: ["not-resolvable-by-the-kernel"],
      importModule: async (specifier) => {
        imported.push(specifier);
        registerCodec({ id: "virtual/thing", module: specifier, test: (v): v is never => false, encode: () => ({ data: null }), decode: () => null });
      },
    });
    expect(imported).toEqual(["not-resolvable-by-the-kernel"]);
    expect(getCodec("virtual/thing")?.module).toBe("not-resolvable-by-the-kernel");
  });

  test("a codec module that cannot be imported is a clear error naming it", async () => {
    const { loadCodecModules } = await import("../src/remote.js");
    await expect(loadCodecModules(["@nowhere/missing-codec"])).rejects.toThrow(/Cannot import codec module "@nowhere\/missing-codec"/);
  });

  test("the driver tells executors which codec modules are registered", async () => {
    const { Builder } = await import("../src/index.js");
    let seen: readonly string[] | undefined;
    const spy = {
      specificationVersion: "v1",
      init: (ctx: { codecModules?: readonly string[] }) => void (seen = ctx.codecModules),
      canSubmitTask: () => true,
      submitTask: (t: { run: () => Promise<Record<string, unknown>> }) => t.run(),
      finalize: () => undefined,
    };
    const dr = await new Builder().withModules({ a: () => 1 }).enableDynamicExecution().withLocalExecutor(spy as never).build();
    await dr.execute(["a"]);
    expect(seen).toContain("test-points");
  });
});

describe("graph fingerprints", () => {
  test("differ when the shape or the chosen variant differs, not otherwise", async () => {
    const { Driver, configWhen } = await import("../src/index.js");
    const fp = (mod: Record<string, unknown>, config = {}) => new Driver(config, mod).graph.fingerprint();
    const base = { a: (x: number) => x + 1, b: (a: number) => a * 2 };
    expect(fp(base)).toBe(fp({ ...base }));
    expect(fp(base)).toBe(fp({ ...base, b: (a: number) => a * 3 }));
    expect(fp(base)).not.toBe(fp({ ...base, c: (b: number) => b }));
    const variants = { m__one: configWhen({ k: 1 }, () => 1), m__two: configWhen({ k: 2 }, () => 1) };
    expect(fp(variants, { k: 1 })).not.toBe(fp(variants, { k: 2 }));
  });
});

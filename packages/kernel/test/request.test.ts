// What execute() reads from a request: own properties only, plan keys that
// never collide, and errors that name the culprit and suggest the fix.
import { describe, expect, test } from "vitest";
import { Builder, Driver, InputValidationError } from "../src/index.js";

const modes: Array<[string, (mod: Record<string, unknown>, config?: Record<string, unknown>) => Promise<Driver>]> = [
  ["classic", async (mod, config = {}) => new Driver(config, mod)],
  ["dynamic", (mod, config = {}) => new Builder().withModules(mod).withConfig(config).enableDynamicExecution({ allowExperimentalMode: true }).build()],
];

describe.each(modes)("reserved names (%s)", (_mode, make) => {
  const reserved = {
    c: (constructor: unknown) => constructor,
    t: (toString: unknown) => toString,
    v: (valueOf: unknown) => valueOf,
    h: (hasOwnProperty: unknown) => hasOwnProperty,
    p: (__proto__: unknown) => __proto__,
    d: (toLocaleString: unknown = "default") => toLocaleString,
  };

  test("an input called constructor, toString, valueOf or hasOwnProperty gets exactly what was passed", async () => {
    const dr = await make(reserved);
    expect(await dr.execute(["c", "t", "v", "h"], { inputs: { constructor: 5, toString: "s", valueOf: null, hasOwnProperty: 0 } })).toEqual({ c: 5, t: "s", v: null, h: 0 });
  });

  test("not passing it is a missing input, not Object.prototype's", async () => {
    const dr = await make(reserved);
    const err = await dr.execute(["c", "t"]).catch((e: unknown) => e);
    expect(InputValidationError.isInstance(err)).toBe(true);
    expect((err as InputValidationError).missingInputs).toEqual(["constructor", "toString"]);
    // an optional one falls back to its default instead of Object.prototype.toLocaleString
    expect(await dr.execute(["d"])).toEqual({ d: "default" });
  });

  test("an input called __proto__ is a key like any other", async () => {
    const dr = await make(reserved);
    const inputs = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const out = (await dr.execute(["p", "__proto__"], { inputs })) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(out, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ polluted: true });
    expect(out.p).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expect(dr.execute(["p"])).rejects.toMatchObject({ missingInputs: ["__proto__"] });
  });

  test("inputs in a null-prototype object work", async () => {
    const dr = await make({ a: (x: number) => x + 1 });
    const inputs = Object.assign(Object.create(null) as Record<string, unknown>, { x: 1 });
    expect(await dr.execute(["a"], { inputs })).toEqual({ a: 2 });
    const overrides = Object.assign(Object.create(null) as Record<string, unknown>, { a: 10 });
    expect(await dr.execute(["a"], { overrides })).toEqual({ a: 10 });
  });

  test("config is read as own properties too", async () => {
    const dr = await make(reserved, { constructor: "from config" });
    expect(await dr.execute(["c"])).toEqual({ c: "from config" });
    const bare = await make(reserved, {});
    await expect(bare.execute(["c"])).rejects.toMatchObject({ missingInputs: ["constructor"] });
  });
});

describe.each(modes)("plans and requests (%s)", (_mode, make) => {
  test("output names with separator characters never share a cached plan", async () => {
    const dr = await make({ "a\u0001b": () => "joined", a: () => "a", b: () => "b", "c\u0002": () => "c2", "\u0002": () => "two" });
    expect(await dr.execute(["a\u0001b"])).toEqual({ "a\u0001b": "joined" });
    expect(await dr.execute(["a", "b"])).toEqual({ a: "a", b: "b" });
    expect(await dr.execute(["c\u0002"])).toEqual({ "c\u0002": "c2" });
    expect(await dr.execute(["\u0002"])).toEqual({ "\u0002": "two" });
    expect(await dr.execute(["a\u0001b"])).toEqual({ "a\u0001b": "joined" });
  });

  test("an override that names no node is an error, with a suggestion", async () => {
    const dr = await make({ total: (x: number) => x, other: () => 1 });
    const err = (await dr.execute(["other"], { overrides: { totl: 3 } }).catch((e: unknown) => e)) as Error;
    expect(InputValidationError.isInstance(err)).toBe(true);
    expect(err.message).toMatch(/override "totl" \(did you mean "total"\?\) names no node/);
    await expect(dr.execute(["other"], { overrides: { toString: 1 } })).rejects.toThrow(/override "toString"/);
  });

  test("unknown outputs and missing inputs suggest the closest names", async () => {
    const dr = await make({ total_words: (word_list: string[]) => word_list.length, total_chars: (word_list: string[]) => word_list.join("").length });
    const err = (await dr.execute(["total_word"], { inputs: { word_lst: [] } }).catch((e: unknown) => e)) as InputValidationError;
    expect(err.unknownOutputs).toEqual(["total_word"]);
    expect(err.message).toMatch(/"total_word" \(did you mean "total_words"\?\)/);
    const missing = (await dr.execute(["total_words"], { inputs: { word_lst: [] } }).catch((e: unknown) => e)) as InputValidationError;
    expect(missing.missingInputs).toEqual(["word_list"]);
    expect(missing.message).toMatch(/"word_list" \(needed by "total_words"; did you mean "word_lst"\?\)/);
    // nothing close: no suggestion
    await expect(dr.execute(["zzz"])).rejects.toThrow(/unknown output "zzz" \(no node/);
  });

  test("output names must be strings", async () => {
    const dr = await make({ a: () => 1 });
    await expect(dr.execute([1 as never])).rejects.toThrow(/item 0 is number/);
  });
});

import { describe, expectTypeOf, test } from "vitest";
import { Builder, DefaultAdapter, DictResult, Driver, SimpleGraphAdapter } from "../index.js";
import * as pipeline from "../../test/fixtures/typed-pipeline.js";
import type { NodeTypesOf } from "./typed-results.js";

// runs only in the type checker
declare const dr: Driver<typeof pipeline>;

describe("typed results", () => {
  test("execute() of a driver built from a namespace is typed by its nodes", async () => {
    const out = await new Driver({}, pipeline).execute(["total", "top", "n"]);
    expectTypeOf(out).toEqualTypeOf<{ total: number; top: string[]; n: number }>();
    // awaited return types; a collect node's own return type
    expectTypeOf((await dr.execute(["words"])).words).toEqualTypeOf<string[]>();
    const b = await new Builder().withModules(pipeline).enableDynamicExecution({ allowExperimentalMode: true }).build();
    expectTypeOf(await b.execute(["total", "top"])).toEqualTypeOf<{ total: number; top: string[] }>();
    expectTypeOf(await b.rawExecute(["total"])).toEqualTypeOf<{ total: number }>();
  });

  test("a module location is typed with withModules<typeof import(...)>(url); without it, unknown", async () => {
    const url = new URL("../../test/fixtures/typed-pipeline.js", import.meta.url);
    const typed = await new Builder().withModules<typeof import("../../test/fixtures/typed-pipeline.js")>(url).build();
    expectTypeOf(await typed.execute(["total", "top"])).toEqualTypeOf<{ total: number; top: string[] }>();
    const untyped = await new Builder().withModules(url).build();
    expectTypeOf(await untyped.execute(["total"])).toEqualTypeOf<{ total: unknown }>();
    // a location and a namespace together
    const mixed = await new Builder().withModules(url, { extra: (): boolean => true }).build();
    expectTypeOf(await mixed.execute(["extra", "total"])).toEqualTypeOf<{ extra: boolean; total: unknown }>();
  });

  test("a name that is no node of the modules (an input) is unknown", async () => {
    expectTypeOf(await dr.execute(["total", "some_input"])).toEqualTypeOf<{ total: number; some_input: unknown }>();
    const names: string[] = ["total"];
    expectTypeOf(await dr.execute(names)).toEqualTypeOf<{ [x: string]: unknown }>();
  });

  test("configWhen variants are typed under the node's name, as the union of the variants", () => {
    expectTypeOf<NodeTypesOf<typeof pipeline>["mode"]>().toEqualTypeOf<1 | "slow">();
    expectTypeOf<NodeTypesOf<typeof pipeline>>().not.toHaveProperty("mode__fast");
  });

  test("modifiers: parameterize, extractFields, extractColumns, checkOutput, tag, node", () => {
    type T = NodeTypesOf<typeof pipeline>;
    expectTypeOf<T["scaled_by_two"]>().toEqualTypeOf<number>();
    expectTypeOf<T["scaled_by_n"]>().toEqualTypeOf<number>();
    expectTypeOf<T>().not.toHaveProperty("scaled"); // the export key of parameterize is no node
    expectTypeOf<T["stats"]>().toEqualTypeOf<{ mean: number; label: string }>();
    expectTypeOf<T["mean"]>().toEqualTypeOf<number>();
    expectTypeOf<T["label"]>().toEqualTypeOf<string>();
    // a result type without the field: the type name given to extractFields
    expectTypeOf<T["ratio"]>().toEqualTypeOf<number>();
    expectTypeOf<T["a"]>().toEqualTypeOf<number[]>();
    expectTypeOf<T["b"]>().toEqualTypeOf<string[]>();
    expectTypeOf<T["checked"]>().toEqualTypeOf<number>();
    expectTypeOf<T["explicit"]>().toEqualTypeOf<string>();
  });

  test("_ keys, non-functions and classes are no nodes", () => {
    type T = NodeTypesOf<typeof pipeline>;
    expectTypeOf<T>().not.toHaveProperty("_private");
    expectTypeOf<T>().not.toHaveProperty("NOT_A_NODE");
    expectTypeOf<T>().not.toHaveProperty("Skipped");
  });

  test("the result builder decides: DictResult and DefaultAdapter keep the typed object, others their own result type", async () => {
    const dict = await new Builder().withModules(pipeline).withAdapters(new DictResult()).build();
    expectTypeOf(await dict.execute(["n"])).toEqualTypeOf<{ n: number }>();
    const classic = new Driver({}, pipeline, { adapter: new DefaultAdapter() });
    expectTypeOf(await classic.execute(["n"])).toEqualTypeOf<{ n: number }>();
    // a ResultMixin subclass (such as DataFrameResult) declares unknown
    const simple = new Driver({}, pipeline, { adapter: new SimpleGraphAdapter() });
    expectTypeOf(await simple.execute(["n"])).toEqualTypeOf<unknown>();
    const counted = await new Builder()
      .withModules(pipeline)
      .withAdapters({ buildResult: (o: Record<string, unknown>) => Object.keys(o).length }, { preNodeExecute: () => undefined })
      .build();
    expectTypeOf(await counted.execute(["n"])).toEqualTypeOf<number>();
  });

  test("untyped use stays as it was: plain Builder and Driver variables accept typed ones", async () => {
    let b: Builder = new Builder();
    b = b.withModules(pipeline);
    b = b.withAdapters(...([] as object[]));
    const d: Driver = await b.build();
    const { total } = await d.execute(["total"]);
    expectTypeOf(total).toEqualTypeOf<unknown>();
    const asDriver: Driver = dr;
    expectTypeOf(asDriver).toMatchTypeOf<Driver>();
  });
});

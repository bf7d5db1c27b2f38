import { describe, expectTypeOf, test } from "vitest";
import { collect, configWhen, node, parallelizable, type Collect, type NodeFunction, type Parallelizable } from "./index.js";

describe("public types", () => {
  test("Parallelizable<T> is an Iterable or AsyncIterable of T; Collect<T> is T[]", () => {
    expectTypeOf<number[]>().toMatchTypeOf<Parallelizable<number>>();
    expectTypeOf<Generator<string>>().toMatchTypeOf<Parallelizable<string>>();
    expectTypeOf<AsyncGenerator<string>>().toMatchTypeOf<Parallelizable<string>>();
    expectTypeOf<Collect<number>>().toEqualTypeOf<number[]>();
  });

  test("node() and its shorthands keep the function's own signature", () => {
    const area = node((w: number, h: number) => w * h, { deps: ["width", "height"] });
    expectTypeOf(area).parameters.toEqualTypeOf<[number, number]>();
    expectTypeOf(area).returns.toEqualTypeOf<number>();
    const total = collect("x", (x: number[], offset = 0) => x.length + offset);
    expectTypeOf(total).returns.toEqualTypeOf<number>();
    const picked = configWhen({ mode: "fast" }, () => "fast" as const);
    expectTypeOf(picked).returns.toEqualTypeOf<"fast">();
    expectTypeOf(area).toMatchTypeOf<NodeFunction<(w: number, h: number) => number>>();
  });

  test("parallelizable() infers the item type", () => {
    const steps = parallelizable(function* (n: number) {
      for (let i = 0; i < n; i++) yield `${i}`;
    });
    expectTypeOf(steps).parameters.toEqualTypeOf<[number]>();
    expectTypeOf(steps).returns.toMatchTypeOf<Parallelizable<string> | Promise<Parallelizable<string>>>();
    // @ts-expect-error a number is not iterable
    parallelizable(() => 5);
  });
});

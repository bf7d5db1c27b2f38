import { describe, expect, test } from "vitest";
import { GraphError } from "../errors.js";
import { parseParameters } from "./parse-params.js";

const names = (fn: Function) => parseParameters(fn, "n").map((p) => (p.optional ? `${p.name}?` : p.name));
// functions built from source text, as a bundler or tsc would emit them
const fromSource = (src: string): Function => new Function(`return (${src});`)() as Function;

describe("parseParameters", () => {
  test.each([
    ["plain function", "function f(a, b) { return a + b; }", ["a", "b"]],
    ["anonymous function", "function (a,b){}", ["a", "b"]],
    ["no parameters", "function f() {}", []],
    ["async function", "async function f(url, retries) {}", ["url", "retries"]],
    ["generator", "function* gen(n) { yield n; }", ["n"]],
    ["spaced generator", "function * gen ( n , m ) {}", ["n", "m"]],
    ["async generator", "async function* gen(n) {}", ["n"]],
    ["arrow with parentheses", "(a, b) => a + b", ["a", "b"]],
    ["arrow without parentheses", "x => x * 2", ["x"]],
    ["async arrow", "async (a) => a", ["a"]],
    ["async arrow without parentheses", "async a => a", ["a"]],
    ["parameter named async", "async => async", ["async"]],
    ["default values", "function f(a, b = 2, c = 'x,y') {}", ["a", "b?", "c?"]],
    ["default with a call and nested parens", "(a, b = Math.max(1, (2 + 3))) => a", ["a", "b?"]],
    ["string containing parentheses", "function f(a = ')(', b = \"(\") {}", ["a?", "b?"]],
    ["template literal default", "(a = `x${(1)}y)`, b) => 1", ["a?", "b"]],
    ["regex default", "(a = /\\)[)]/g, b) => 1", ["a?", "b"]],
    ["object default", "(a = { x: [1, 2], y: (3) }, b) => 1", ["a?", "b"]],
    ["line comments", "function f(a, // the first\n b /* second, really */) {}", ["a", "b"]],
    ["block comment before the list", "function /* c */ f /* (x) */ (a) {}", ["a"]],
    ["comment inside a default", "(a = /* ) */ 1) => a", ["a?"]],
    ["trailing comma", "function f(a, b,) {}", ["a", "b"]],
    ["unicode names", "(größe, $x, _y) => 1", ["größe", "$x", "_y"]],
    ["tsc ES5 default", "function f(a, b) { if (b === void 0) { b = 1; } return a + b; }", ["a", "b"]],
    ["esbuild minified", "function(e,t=3){return e+t}", ["e", "t?"]],
  ])("%s", (_name, src, expected) => {
    expect(names(fromSource(src))).toEqual(expected);
  });

  test("real functions, including class-free methods", () => {
    const obj = {
      add(a: number, b: number) {
        return a + b;
      },
    };
    expect(names(obj.add)).toEqual(["a", "b"]);
    const more = {
      async load(url: string) {
        return url;
      },
      *items(n: number) {
        yield n;
      },
      async *stream(n: number, step = 1) {
        yield n + step;
      },
    };
    expect(names(more.load)).toEqual(["url"]);
    expect(names(more.items)).toEqual(["n"]);
    expect(names(more.stream)).toEqual(["n", "step?"]);
    expect(names(async (url: string, tries = 3) => url.repeat(tries))).toEqual(["url", "tries?"]);
  });

  test.each([
    ["destructured object", "({ a, b }) => a", /destructured parameter.*node\(fn, \{ deps/],
    ["destructured array", "function f([a, b]) {}", /destructured parameter/],
    ["rest parameter", "(...args) => args", /rest parameter.*node\(fn, \{ deps/],
  ])("%s is a clear error", (_name, src, message) => {
    expect(() => parseParameters(fromSource(src), "culprit")).toThrow(GraphError);
    expect(() => parseParameters(fromSource(src), "culprit")).toThrow(/culprit/);
    expect(() => parseParameters(fromSource(src), "culprit")).toThrow(message);
  });

  test("bound and native functions point to node(fn, { deps })", () => {
    const bound = function (a: number) {
      return a;
    }.bind(null);
    expect(() => parseParameters(bound, "bound_one")).toThrow(/"bound_one".*native or bound.*node\(fn/);
    expect(() => parseParameters(Math.max, "m")).toThrow(GraphError);
  });

  test("classes are refused", () => {
    expect(() => parseParameters(class A {}, "k")).toThrow(/class/);
  });
});

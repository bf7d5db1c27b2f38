import { describe, expect, test } from "vitest";
import { codeVersionOf, parameterDefaultsOf } from "./code-version.js";
import { isUnhashable } from "./fingerprint.js";

// new Function keeps the source text as written, so reformatting can be tested exactly
const fnOf = (src: string): Function => new Function(`return (${src});`)() as Function;
const version = (src: string) => codeVersionOf(fnOf(src));
const sameCode = (a: string, b: string) => version(a) === version(b);

describe("code versions ignore formatting", () => {
  test.each([
    ["function f(a, b) { return a + b; }", "function f(a,b){return a+b;}"],
    ["function f(a, b) { return a + b; }", "function f( a , b )\n{\n\t  return   a\n    + b;\n}"],
    ["function f(a, b) { return a + b; }", "function f(a, /* first */ b) { // sum\n return a + b; /* done */ }"],
    ["(a) => [a, 1]", "(a) => [\n  a,\n  1,\n]"],
    ["(a) => f(a, 2)", "(a) => f(\n  a,\n  2,\n)"],
    ["() => 'text'", '() => "text"'],
    ["(a, b) => (a + b) / 2", "(a,b)=>(a+b)/2"],
    ["(x) => `v=${ x }`", "(x) => `v=${x}`"],
    ["(x) => { if (x) { return 1 } else { return 2 } }", "(x) => {\n  if (x) {\n    return 1\n  } else {\n    return 2\n  }\n}"],
    ["(a) => a?.b ?? c", "(a) => a ?. b ?? c"],
  ])("%j and %j share a code version", (a, b) => {
    expect(sameCode(a, b)).toBe(true);
  });
});

describe("code versions see every token change", () => {
  test.each([
    ["(a, b) => a + b", "(a, b) => a - b"],
    ["() => 1", "() => 2"],
    ["(a) => a", "(b) => b"],
    ["() => 'a b'", "() => 'a  b'"], // whitespace inside a string is data
    ["() => `a b`", "() => `a  b`"],
    ["(s) => / a/.test(s)", "(s) => /a/.test(s)"], // and inside a regex
    ["(s, x) => { if (x) / a/.test(s) }", "(s, x) => { if (x) /a/.test(s) }"],
    ["(a, b) => a + ++b", "(a, b) => a++ + b"],
    ["(a, b) => a + +b", "(a, b) => a + b"],
    ["(a) => { return a }", "(a) => { return\na }"], // a line break after return ends the statement
    ["(a, b) => [a, , b]", "(a, b) => [a, b]"], // a hole is not a trailing comma
    ["() => [,]", "() => []"],
    ["(x) => `a${x}b`", "(x) => `a${x} b`"],
    ["() => 'a'", "() => 'a\\u0020'"],
    ["(a) => a.b", "(a) => a?.b"],
  ])("%j and %j have different code versions", (a, b) => {
    expect(sameCode(a, b)).toBe(false);
  });

  test("a comment-looking string is code, and a regex with slashes in a class is one token", () => {
    expect(sameCode("() => '// not a comment'", "() => ''")).toBe(false);
    expect(sameCode("(s) => /[/]x/.test(s)", "(s) => /[/] x/.test(s)")).toBe(false);
  });
});

describe("version option and unreadable sources", () => {
  test("a node's version replaces its source hash", () => {
    const a = fnOf("() => 1");
    const b = fnOf("() => 2");
    expect(codeVersionOf(a, "1")).toBe(codeVersionOf(b, "1"));
    expect(codeVersionOf(a, "1")).not.toBe(codeVersionOf(a, "2"));
    expect(codeVersionOf(a, "1")).not.toBe(codeVersionOf(a));
  });

  test("a bound or native function has no readable source: unhashable, unless it has a version", () => {
    const bound = fnOf("(a) => a").bind(null);
    const v = codeVersionOf(bound);
    expect(isUnhashable(v)).toBe(true);
    expect(isUnhashable(v) && v.reason).toContain("version");
    expect(isUnhashable(codeVersionOf(Math.max))).toBe(true);
    expect(typeof codeVersionOf(bound, "3")).toBe("string");
  });
});

describe("parameter defaults", () => {
  const defaults = (src: string) => parameterDefaultsOf(fnOf(src));

  test("literal defaults are read as values", () => {
    expect(defaults("function foo(external_dep = 3) {}")).toEqual([{ literal: 3 }]);
    expect(defaults("(a, b = 'x', c = -1.5, d = 1_000, e = 0x10, f = 10n, g = true, h = null, i = undefined, j = `t`) => 0")).toEqual([
      undefined,
      { literal: "x" },
      { literal: -1.5 },
      { literal: 1000 },
      { literal: 16 },
      { literal: 10n },
      { literal: true },
      { literal: null },
      { literal: undefined },
      { literal: "t" },
    ]);
  });

  test("other defaults are kept as normalised source text", () => {
    expect(defaults("(a = [1, 2], b = Date.now(), c = `x${ y, z }`, d = 'esc\\n') => 0")).toEqual([
      { expression: "[1,2]" },
      { expression: "Date.now()" },
      { expression: "`x${y,z}`" },
      { expression: "'esc\\n'" },
    ]);
  });

  test("every function shape: async, generator, method, getter-less method, arrow with one parameter, destructuring", () => {
    expect(defaults("async function f(a = 1) {}")).toEqual([{ literal: 1 }]);
    expect(defaults("function* g(a, b = 2) {}")).toEqual([undefined, { literal: 2 }]);
    expect(parameterDefaultsOf(({ m(a = 4) { return a; } }).m)).toEqual([{ literal: 4 }]);
    expect(parameterDefaultsOf(({ async m(a = 5) { return a; } }).m)).toEqual([{ literal: 5 }]);
    expect(defaults("x => x")).toEqual([undefined]);
    expect(defaults("async x => x")).toEqual([undefined]);
    expect(defaults("({ a = 1 } = {}, [b] = [2]) => a")).toEqual([{ expression: "{}" }, { expression: "[2]" }]);
    expect(defaults("(a = (1, 2), b = 3) => a")).toEqual([{ expression: "(1,2)" }, { literal: 3 }]);
  });
});

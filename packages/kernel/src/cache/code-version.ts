import type { NodeSpec } from "../node/from-modules.js";
import type { Unhashable } from "./fingerprint.js";
import { sha256Sync, toBase64Url } from "./sha256.js";
import { Kind, normalizeTokens, tokenize, type Token } from "./source-tokens.js";

/**
 * The default value of one parameter, as the cache keys it when the parameter
 * receives `undefined` (not passed): a literal's value, so `foo()` and `foo(3)`
 * share a key for `foo(x = 3)`; otherwise the default's normalised source text.
 */
export type ParameterDefault = { readonly literal: unknown } | { readonly expression: string };

interface SourceInfo {
  readonly code: string | Unhashable;
  /** By parameter position; undefined where a parameter has no default. */
  readonly defaults: readonly (ParameterDefault | undefined)[];
}

const infos = new WeakMap<Function, SourceInfo>();
const utf8 = new TextEncoder();

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

function readSource(fn: Function): SourceInfo {
  let info = infos.get(fn);
  if (info) return info;
  const src = Function.prototype.toString.call(fn);
  if (NATIVE.test(src)) {
    info = {
      code: {
        unhashable: true,
        reason: "its source cannot be read (a native or bound function), so code changes would go unnoticed; give it a version: node(fn, { version: \"1\" })",
      },
      defaults: [],
    };
  } else {
    const tokens = tokenize(src);
    const code = toBase64Url(sha256Sync(utf8.encode("hamilton-ts/code/v1\n" + normalizeTokens(tokens))));
    info = { code, defaults: readDefaults(tokens) };
  }
  infos.set(fn, info);
  return info;
}

/**
 * The code version of a node function: a hash of its source with comments and
 * whitespace normalised (reformatting keeps it, any token change changes it),
 * or the node's own `version` when given. Helpers the function calls and
 * variables it closes over are not part of its source: bump `version` when they
 * change (a node made by a factory, `make(3)` → `(x) => x * k`, needs one).
 */
export function codeVersionOf(fn: Function, version?: string): string | Unhashable {
  if (version !== undefined) return `version:${version}`;
  return readSource(fn).code;
}

/**
 * The code version of a node: its user function's (for a node a modifier
 * made, the function it wraps, since `spec.fn` is then the kernel's adapter),
 * plus what the modifier adds (bound values, the field taken), or its `version`.
 */
export function nodeCodeVersion(spec: NodeSpec): string | Unhashable {
  const code = codeVersionOf(spec.source ?? spec.fn, spec.version);
  return spec.modifier === undefined || typeof code !== "string" ? code : `${code}|${spec.modifier}`;
}

/** Default values of a function's parameters, by position (undefined: no default, or unreadable source). */
export function parameterDefaultsOf(fn: Function): readonly (ParameterDefault | undefined)[] {
  return readSource(fn).defaults;
}

/** The parameter list as token runs, one per parameter; undefined when the shape is not recognised. */
function parameterTokens(tokens: readonly Token[]): Token[][] | undefined {
  let i = 0;
  const is = (k: number, text: string) => tokens[k]?.text === text;
  const word = (k: number) => tokens[k]?.kind === Kind.Word;
  if (is(0, "async") && !is(1, "=>")) i = 1; // `async => …` names a parameter `async`
  if (word(i) && is(i + 1, "=>")) return [[tokens[i]!]];
  if (is(i, "function")) {
    i++;
    if (is(i, "*")) i++;
    if (word(i)) i++;
  } else {
    if (is(i, "*")) i++;
    if (word(i) && !is(i + 1, "(")) i++; // get / set / static before a method name
    if (word(i) || tokens[i]?.kind === Kind.Literal || tokens[i]?.kind === Kind.Number) i++; // method name
    else if (is(i, "[")) {
      // computed method name: skip to its closing bracket
      let depth = 0;
      for (; i < tokens.length; i++) {
        if (is(i, "[")) depth++;
        else if (is(i, "]") && --depth === 0) {
          i++;
          break;
        }
      }
    }
  }
  if (!is(i, "(")) return undefined;
  const params: Token[][] = [[]];
  let depth = 0;
  for (i++; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === Kind.Punct && (t.text === "(" || t.text === "[" || t.text === "{")) depth++;
    else if (t.kind === Kind.Punct && (t.text === ")" || t.text === "]" || t.text === "}")) {
      if (depth === 0) return params.filter((p) => p.length > 0);
      depth--;
    }
    // template parts: "`a${" opens an expression, "}b${" closes and opens one, "}c`" closes it
    if (t.kind === Kind.Literal && t.text.endsWith("${")) depth++;
    if (t.kind === Kind.Literal && t.text.startsWith("}")) depth--;
    if (depth === 0 && t.kind === Kind.Punct && t.text === ",") params.push([]);
    else params[params.length - 1]!.push(t);
  }
  return undefined;
}

function readDefaults(tokens: readonly Token[]): (ParameterDefault | undefined)[] {
  const params = parameterTokens(tokens);
  if (!params) return [];
  return params.map((p) => {
    let depth = 0;
    for (let k = 0; k < p.length; k++) {
      const t = p[k]!;
      if (t.kind === Kind.Punct && (t.text === "(" || t.text === "[" || t.text === "{")) depth++;
      else if (t.kind === Kind.Punct && (t.text === ")" || t.text === "]" || t.text === "}")) depth--;
      else if (depth === 0 && t.kind === Kind.Punct && t.text === "=") return classify(p.slice(k + 1));
    }
    return undefined;
  });
}

const WORD_LITERALS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ["true", true],
  ["false", false],
  ["null", null],
  ["undefined", undefined],
]);

function numberOf(text: string): number | bigint {
  const clean = text.replace(/_/g, "");
  return clean.endsWith("n") ? BigInt(clean.slice(0, -1)) : Number(clean);
}

function classify(tokens: readonly Token[]): ParameterDefault {
  const [a, b] = tokens;
  if (tokens.length === 1 && a) {
    if (a.kind === Kind.Number) return { literal: numberOf(a.text) };
    if (a.kind === Kind.Word && WORD_LITERALS.has(a.text)) return { literal: WORD_LITERALS.get(a.text) };
    const q = a.text[0];
    const plain = a.kind === Kind.Literal && !a.text.includes("\\") && a.text.length >= 2 && a.text[a.text.length - 1] === q;
    if (plain && (q === '"' || q === "'")) return { literal: a.text.slice(1, -1) };
    if (plain && q === "`" && !a.text.includes("${")) return { literal: a.text.slice(1, -1) };
  }
  if (tokens.length === 2 && a?.text === "-" && b?.kind === Kind.Number) {
    const n = numberOf(b.text);
    return { literal: -n };
  }
  return { expression: normalizeTokens(tokens) };
}

import { GraphError } from "../errors.js";
import { renameBase, undoCompilerRenames } from "./compiler-renames.js";
import { IDENT_PART, Scanner } from "./source-scanner.js";

/** One parameter of a node function, as read from its source. */
export interface ParsedParameter {
  readonly name: string;
  /** The parameter has a default value, so the input it names is optional. */
  readonly optional: boolean;
}

const NO_NAMES: ReadonlySet<string> = new Set<string>();

function stripComments(text: string): string {
  const sc = new Scanner(text);
  let out = "";
  while (sc.pos < text.length) {
    const before = sc.pos;
    sc.skipTrivia();
    if (sc.pos > before) out += " ";
    if (sc.pos >= text.length) break;
    const c = text[sc.pos]!;
    if (c === '"' || c === "'" || c === "`") {
      const start = sc.pos;
      sc.skipLiteral(c);
      out += text.slice(start, sc.pos);
    } else {
      out += c;
      sc.pos++;
    }
  }
  return out.trim();
}

// `function name(a, b)`, `async (a, b) =>`, `(a) =>`: lists with nothing but names, commas and spaces
const SIMPLE_LIST = /^(?:async\s+)?(?:function\s*\*?\s*[\w$]*\s*)?\(([\w$\s,]*)\)\s*(?:=>|\{)/;
const SIMPLE_ARROW = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/;
const NAME = /^[A-Za-z_$][\w$]*$/;

function fastPath(src: string): RawParameter[] | undefined {
  let m = SIMPLE_LIST.exec(src);
  if (m) {
    const params: RawParameter[] = [];
    for (const raw of m[1]!.split(",")) {
      const name = raw.trim();
      if (name === "") continue;
      if (!NAME.test(name)) return undefined;
      params.push({ text: name, name, optional: false, rest: false });
    }
    return params;
  }
  m = SIMPLE_ARROW.exec(src);
  if (m && m[1] !== "function" && m[1] !== "async") return [{ text: m[1]!, name: m[1]!, optional: false, rest: false }];
  return undefined;
}

/** One entry of a function's parameter list, before any policy is applied. */
interface RawParameter {
  readonly text: string;
  /** The bound name; undefined for a destructuring pattern. */
  readonly name: string | undefined;
  readonly optional: boolean;
  readonly rest: boolean;
}

type Scan =
  | { readonly kind: "ok"; readonly params: readonly RawParameter[]; readonly source: string }
  | { readonly kind: "native" }
  | { readonly kind: "class" }
  | { readonly kind: "unreadable"; readonly cause?: unknown; readonly text?: string };

/** Read a function's parameter list without judging it (rest and patterns included). */
function scanParameters(fn: Function): Scan {
  const src = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) return { kind: "native" };
  const fast = fastPath(src);
  if (fast) return { kind: "ok", params: fast, source: src };
  const sc = new Scanner(src);
  sc.skipTrivia();
  if (sc.startsWith("class") && !IDENT_PART.test(src[sc.pos + 5] ?? "")) return { kind: "class" };
  let paramText: string;
  try {
    paramText = extractParameterList(sc);
  } catch (cause) {
    return { kind: "unreadable", cause };
  }
  const params: RawParameter[] = [];
  for (const raw of splitTopLevel(paramText)) {
    const text = stripComments(raw);
    if (text === "") continue;
    const rest = text.startsWith("...");
    const body = rest ? text.slice(3).trimStart() : text;
    if (body.startsWith("{") || body.startsWith("[")) {
      params.push({ text, name: undefined, optional: /[}\]]\s*=[^=>]/.test(body), rest }); // `{ a } = {}`
      continue;
    }
    const m = /^([A-Za-z_$\u00A0-\uFFFF][A-Za-z0-9_$\u00A0-\uFFFF]*)\s*(=)?/.exec(body);
    if (!m) return { kind: "unreadable", text };
    params.push({ text, name: m[1]!, optional: m[2] === "=", rest });
  }
  return { kind: "ok", params, source: src };
}

/** Where a function comes from, so renames made by compilers can be undone (see `parseParameters`). */
export interface ParameterContext {
  /** The exports of the function's module. */
  readonly exports?: Readonly<Record<string, unknown>>;
}

/**
 * Read the parameter names of a function from its source text: plain, async,
 * arrow (with or without parentheses), generator, method shorthand and
 * TypeScript-compiled functions; comments and default values are understood.
 *
 * Given the module's `exports`, names that esbuild (inside tsx, tsup, vite…)
 * renamed because they shadow a top-level name of the module (`path` → `path2`
 * next to an import of `path`) are read as they were written; see
 * `undoCompilerRenames` for when a rename is recognised.
 *
 * @param where names the node, for error messages.
 * @throws GraphError for destructured or rest parameters, native or bound functions and classes.
 */
export function parseParameters(fn: Function, where: string, context: ParameterContext = {}): ParsedParameter[] {
  const hint = `declare its dependencies explicitly: export const ${where} = node(fn, { deps: ["a", "b"] })`;
  const scan = scanParameters(fn);
  if (scan.kind === "native") {
    throw new GraphError(`Cannot read the parameters of node "${where}": it is a native or bound function. ${hint}`);
  }
  if (scan.kind === "class") {
    throw new GraphError(`Node "${where}" is a class, not a function. Export a function that returns an instance instead.`);
  }
  if (scan.kind === "unreadable") {
    if (scan.text !== undefined) throw new GraphError(`Cannot read parameter "${scan.text}" of node "${where}". ${hint}`);
    throw new GraphError(`Cannot read the parameters of node "${where}" from its source. ${hint}`, { cause: scan.cause });
  }
  const params: ParsedParameter[] = [];
  for (const p of scan.params) {
    if (p.rest) {
      throw new GraphError(
        `Node "${where}" has a rest parameter (${p.text}); hamilton-ts reads dependencies from parameter names. ${hint}`,
      );
    }
    if (p.name === undefined) {
      const text = p.text;
      throw new GraphError(
        `Node "${where}" has a destructured parameter (${text.length > 40 ? text.slice(0, 40) + "…" : text}); hamilton-ts reads dependencies from parameter names. ${hint}`,
      );
    }
    params.push({ name: p.name, optional: p.optional });
  }
  if (!context.exports) return params;
  const names = undoCompilerRenames(fn, params.map((p) => p.name), context.exports);
  return params.map((p, i) => (names[i] === p.name ? p : { ...p, name: names[i]! }));
}

/**
 * Which of `deps` (given with `node(fn, { deps })`, in parameter order) are
 * optional: those whose parameter has a default value. A rest parameter takes
 * every remaining dependency, each required. When the source cannot be read, the
 * parameters beyond `fn.length` count as defaulted, as JavaScript does.
 */
export function explicitOptionalDeps(fn: Function, deps: readonly string[]): ReadonlySet<string> {
  // `fn.length` counts the parameters before the first default or rest one: when it covers every
  // dependency, none is optional, and the source need not be read (most nodes of a large graph)
  if (fn.length >= deps.length) return NO_NAMES;
  const scan = scanParameters(fn);
  const optional = new Set<string>();
  for (let i = 0; i < deps.length; i++) {
    if (scan.kind !== "ok") {
      if (i >= fn.length) optional.add(deps[i]!);
      continue;
    }
    const p = scan.params[i];
    if (!p || p.rest) break; // a rest parameter (or `arguments`): every remaining dependency is required
    if (p.optional) optional.add(deps[i]!);
  }
  return optional;
}

/**
 * What to tell a user whose function looks minified (one line, no newline
 * after a comma, parameters of one or two letters): minifiers rename
 * parameters, so the graph's names are not the source's.
 */
export function minifiedNote(fn: Function): string | undefined {
  const scan = scanParameters(fn);
  if (scan.kind !== "ok" || scan.params.length === 0) return undefined;
  const minified = !scan.source.includes("\n") && scan.params.every((p) => p.text.length <= 2) && !/,\s|\s=>\s/.test(scan.source);
  return minified ? `the function looks minified, and minifiers rename parameters: declare node(fn, { deps: [...] })` : undefined;
}

/**
 * A note for a missing input, when the parameter that names it was probably
 * renamed by a minifier or a compiler: what happened and what to do.
 */
export function renameNote(fn: Function, param: string): string | undefined {
  const base = renameBase(param);
  return (
    minifiedNote(fn) ??
    (base && `if the source says "${base}", esbuild (tsx, tsup, vite) renamed it for shadowing a name of the module: rename it or declare node(fn, { deps: [...] })`)
  );
}

function extractParameterList(sc: Scanner): string {
  const src = sc.src;
  let id = sc.peekIdent();
  if (id === "async") {
    const save = sc.pos;
    sc.readIdent();
    sc.skipTrivia();
    if (sc.startsWith("=>")) {
      return "async"; // a parameter literally named `async`
    }
    if (sc.pos === save + 5 && src[sc.pos] !== "(" && src[sc.pos] !== "*") sc.pos = save; // `asyncFoo(`
    id = sc.peekIdent();
  }
  if (id === "function") {
    sc.readIdent();
    sc.skipTrivia();
    if (src[sc.pos] === "*") sc.pos++;
    sc.skipTrivia();
    sc.readIdent();
    sc.skipTrivia();
  } else if (src[sc.pos] === "*") {
    sc.pos++; // generator method shorthand
    sc.skipTrivia();
    sc.readIdent();
    sc.skipTrivia();
  } else if (id !== undefined) {
    sc.readIdent();
    sc.skipTrivia();
    if (sc.startsWith("=>")) return id; // x => ...
    if ((id === "get" || id === "set" || id === "static") && sc.peekIdent()) {
      sc.readIdent();
      sc.skipTrivia();
    }
  }
  if (src[sc.pos] !== "(") throw new Error(`expected "(" at ${sc.pos}`);
  sc.pos++;
  const start = sc.pos;
  sc.skipBalanced(")");
  return src.slice(start, sc.pos - 1);
}

function splitTopLevel(paramText: string): string[] {
  const sc = new Scanner(paramText + ")");
  const cuts: number[] = [];
  sc.skipBalanced(")", (p) => cuts.push(p));
  const parts: string[] = [];
  let prev = 0;
  for (const cut of cuts) {
    parts.push(paramText.slice(prev, cut));
    prev = cut + 1;
  }
  parts.push(paramText.slice(prev));
  return parts;
}

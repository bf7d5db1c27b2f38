import { GraphError } from "../errors.js";

/** One parameter of a node function, as read from its source. */
export interface ParsedParameter {
  readonly name: string;
  /** The parameter has a default value, so the input it names is optional. */
  readonly optional: boolean;
}

const IDENT_START = /[A-Za-z_$\u00A0-\uFFFF]/;
const IDENT_PART = /[A-Za-z0-9_$\u00A0-\uFFFF]/;
const REGEX_PRECEDERS = new Set(["(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "+", "-", "*", "%", "<", ">", "~", "^"]);

/**
 * A small scanner over function source. It understands exactly what is needed to
 * find the parameter list: whitespace, comments, strings, template literals and
 * regular expression literals, so parentheses inside any of those are ignored.
 */
class Scanner {
  pos = 0;
  constructor(readonly src: string) {}

  skipTrivia(): void {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v" || c === "\uFEFF") this.pos++;
      else if (c === "/" && s[this.pos + 1] === "/") {
        const end = s.indexOf("\n", this.pos);
        this.pos = end < 0 ? s.length : end + 1;
      } else if (c === "/" && s[this.pos + 1] === "*") {
        const end = s.indexOf("*/", this.pos + 2);
        this.pos = end < 0 ? s.length : end + 2;
      } else return;
    }
  }

  peekIdent(): string | undefined {
    const s = this.src;
    if (!IDENT_START.test(s[this.pos] ?? "")) return undefined;
    let end = this.pos + 1;
    while (end < s.length && IDENT_PART.test(s[end]!)) end++;
    return s.slice(this.pos, end);
  }

  readIdent(): string | undefined {
    const id = this.peekIdent();
    if (id !== undefined) this.pos += id.length;
    return id;
  }

  startsWith(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  /** Skip a string, template literal or regex starting at pos. */
  skipLiteral(quote: string): void {
    const s = this.src;
    this.pos++;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (c === "\\") {
        this.pos += 2;
        continue;
      }
      if (quote === "`" && c === "$" && s[this.pos + 1] === "{") {
        this.pos += 2;
        this.skipBalanced("}");
        continue;
      }
      if (quote === "/" && c === "[") {
        // a character class may contain an unescaped '/'
        while (this.pos < s.length && s[this.pos] !== "]") this.pos += s[this.pos] === "\\" ? 2 : 1;
      }
      this.pos++;
      if (c === quote) return;
    }
  }

  /**
   * Advance past the matching `close`, honouring nesting and literals. Calls
   * `onTopLevelComma` with the position of each comma at depth 0.
   */
  skipBalanced(close: string, onTopLevelComma?: (pos: number) => void): void {
    const s = this.src;
    const stack: string[] = [close];
    let lastSignificant = "(";
    while (this.pos < s.length) {
      this.skipTrivia();
      const c = s[this.pos];
      if (c === undefined) break;
      if (c === '"' || c === "'" || c === "`") {
        this.skipLiteral(c);
        lastSignificant = "a";
        continue;
      }
      if (c === "/" && REGEX_PRECEDERS.has(lastSignificant)) {
        this.skipLiteral("/");
        lastSignificant = "a";
        continue;
      }
      this.pos++;
      if (c === "(") stack.push(")");
      else if (c === "[") stack.push("]");
      else if (c === "{") stack.push("}");
      else if (c === ")" || c === "]" || c === "}") {
        stack.pop();
        if (stack.length === 0) return;
      } else if (c === "," && stack.length === 1) onTopLevelComma?.(this.pos - 1);
      if (!/\s/.test(c)) lastSignificant = IDENT_PART.test(c) ? "a" : c;
    }
    throw new Error("unbalanced parameter list");
  }
}

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

function fastPath(src: string): ParsedParameter[] | undefined {
  let m = SIMPLE_LIST.exec(src);
  if (m) {
    const params: ParsedParameter[] = [];
    for (const raw of m[1]!.split(",")) {
      const name = raw.trim();
      if (name === "") continue;
      if (!NAME.test(name)) return undefined;
      params.push({ name, optional: false });
    }
    return params;
  }
  m = SIMPLE_ARROW.exec(src);
  if (m && m[1] !== "function" && m[1] !== "async") return [{ name: m[1]!, optional: false }];
  return undefined;
}

/**
 * Read the parameter names of a function from its source text: plain, async,
 * arrow (with or without parentheses), generator, method shorthand and
 * TypeScript-compiled functions; comments and default values are understood.
 *
 * @param where names the node, for error messages.
 * @throws GraphError for destructured or rest parameters, native or bound functions and classes.
 */
export function parseParameters(fn: Function, where: string): ParsedParameter[] {
  const src = Function.prototype.toString.call(fn);
  const native = /\{\s*\[native code\]\s*\}\s*$/.test(src);
  const fast = native ? undefined : fastPath(src);
  if (fast) return fast;
  const hint = `declare its dependencies explicitly: export const ${where} = node(fn, { deps: ["a", "b"] })`;
  if (native) {
    throw new GraphError(`Cannot read the parameters of node "${where}": it is a native or bound function. ${hint}`);
  }
  const sc = new Scanner(src);
  sc.skipTrivia();
  if (sc.startsWith("class") && !IDENT_PART.test(src[5] ?? "")) {
    throw new GraphError(`Node "${where}" is a class, not a function. Export a function that returns an instance instead.`);
  }
  let paramText: string;
  try {
    paramText = extractParameterList(sc);
  } catch (cause) {
    throw new GraphError(`Cannot read the parameters of node "${where}" from its source. ${hint}`, { cause });
  }
  const params: ParsedParameter[] = [];
  for (const raw of splitTopLevel(paramText)) {
    const text = stripComments(raw);
    if (text === "") continue;
    if (text.startsWith("...")) {
      throw new GraphError(
        `Node "${where}" has a rest parameter (${text}); hamilton-ts reads dependencies from parameter names. ${hint}`,
      );
    }
    if (text.startsWith("{") || text.startsWith("[")) {
      throw new GraphError(
        `Node "${where}" has a destructured parameter (${text.length > 40 ? text.slice(0, 40) + "…" : text}); hamilton-ts reads dependencies from parameter names. ${hint}`,
      );
    }
    const m = /^([A-Za-z_$\u00A0-\uFFFF][A-Za-z0-9_$\u00A0-\uFFFF]*)\s*(=)?/.exec(text);
    if (!m) throw new GraphError(`Cannot read parameter "${text}" of node "${where}". ${hint}`);
    params.push({ name: m[1]!, optional: m[2] === "=" });
  }
  return params;
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

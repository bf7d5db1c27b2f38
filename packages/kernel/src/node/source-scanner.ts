/** A character that may start an identifier (ASCII letters, `_`, `$`, and non-ASCII). */
export const IDENT_START = /[A-Za-z_$\u00A0-\uFFFF]/;
/** A character that may continue an identifier. */
export const IDENT_PART = /[A-Za-z0-9_$\u00A0-\uFFFF]/;
/** After these characters a `/` starts a regular expression literal, not a division. */
export const REGEX_PRECEDERS = new Set(["(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "+", "-", "*", "%", "<", ">", "~", "^"]);

/**
 * A small scanner over function source. It understands exactly what is needed to
 * find the parameter list: whitespace, comments, strings, template literals and
 * regular expression literals, so parentheses inside any of those are ignored.
 */
export class Scanner {
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


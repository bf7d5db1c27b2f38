// A small JavaScript tokenizer for code versions: enough to tell code from
// comments and whitespace, strings, template literals and regular expressions,
// so that reformatting a node leaves its code version alone while any change
// to a token changes it. It is not a parser: where JavaScript is ambiguous (is
// this `/` a division or a regex?) it follows the usual context rules.

/** What a token is, for deciding where whitespace matters. */
export const enum Kind {
  /** Identifier, keyword, private name. */
  Word,
  Number,
  /** One punctuator, longest match (`===`, `?.`, `=>`, `{`). */
  Punct,
  /** String, template part or regex: kept verbatim. */
  Literal,
}

/** One token, and what separated it from the previous one. */
export interface Token {
  readonly text: string;
  readonly kind: Kind;
  /** 0: nothing before it; 1: spaces or comments; 2: a line break among them. */
  readonly gap: 0 | 1 | 2;
}

const IDENT_START = /[A-Za-z_$\u00A0-\uFFFF#]/;
const IDENT_PART = /[A-Za-z0-9_$\u00A0-\uFFFF]/;
const NUMBER = /^(?:0[xXoObB][0-9a-fA-F_]+n?|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?)/;
// every punctuator, longest first where one is a prefix of another
const PUNCTUATORS = [
  ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
  "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "**",
];
// after these words a `/` starts a regex, not a division
const REGEX_AFTER_WORD = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"]);
// a `)` closing these headers is followed by a statement, where `/` starts a regex
const HEADER_WORDS = new Set(["if", "while", "for", "with"]);

function isLineBreak(c: string): boolean {
  return c === "\n" || c === "\r" || c === "\u2028" || c === "\u2029";
}

/**
 * Split function source into tokens. Unterminated literals run to the end of
 * the text; the result is always a deterministic function of the text.
 */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const parens: boolean[] = []; // per open "(": does it follow if/while/for/with?
  const braces: boolean[] = []; // per open "{": is it a template's "${"?
  let pos = 0;
  let gap: 0 | 1 | 2 = 0;
  let lastParenWasHeader = false;
  const push = (text: string, kind: Kind) => {
    tokens.push({ text, kind, gap });
    gap = 0;
  };
  const regexAllowed = (): boolean => {
    const prev = tokens[tokens.length - 1];
    if (!prev) return true;
    if (prev.kind === Kind.Word) return REGEX_AFTER_WORD.has(prev.text);
    if (prev.kind === Kind.Number || prev.kind === Kind.Literal) return prev.text.endsWith("${");
    if (prev.text === ")") return lastParenWasHeader;
    return prev.text !== "]"; // after "}" a statement may start: a regex
  };
  // reads template text from pos (just after "`" or a closing "}"), up to "${" or the closing "`"
  const templateText = (start: number) => {
    let i = pos;
    while (i < src.length) {
      const c = src[i]!;
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        break;
      } else if (c === "$" && src[i + 1] === "{") {
        i += 2;
        braces.push(true);
        break;
      } else i++;
    }
    pos = Math.min(i, src.length);
    push(src.slice(start, pos), Kind.Literal);
  };

  while (pos < src.length) {
    const c = src[pos]!;
    if (c === " " || c === "\t" || c === "\f" || c === "\v" || c === "\uFEFF" || c === "\u00A0" || isLineBreak(c)) {
      if (isLineBreak(c)) gap = 2;
      else if (gap === 0) gap = 1;
      pos++;
      continue;
    }
    if (c === "/" && src[pos + 1] === "/") {
      while (pos < src.length && !isLineBreak(src[pos]!)) pos++;
      if (gap === 0) gap = 1;
      continue;
    }
    if (c === "/" && src[pos + 1] === "*") {
      const end = src.indexOf("*/", pos + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (let i = pos; i < stop; i++) if (isLineBreak(src[i]!)) gap = 2;
      if (gap === 0) gap = 1;
      pos = stop;
      continue;
    }
    const start = pos;
    if (c === '"' || c === "'") {
      pos++;
      while (pos < src.length && src[pos] !== c && !isLineBreak(src[pos]!)) pos += src[pos] === "\\" ? 2 : 1;
      pos = Math.min(pos + 1, src.length);
      push(src.slice(start, pos), Kind.Literal);
      continue;
    }
    if (c === "`") {
      pos++;
      templateText(start);
      continue;
    }
    if (c === "}" && braces[braces.length - 1] === true) {
      braces.pop();
      pos++;
      templateText(start);
      continue;
    }
    if (c === "/" && regexAllowed()) {
      pos++;
      let inClass = false;
      while (pos < src.length && !isLineBreak(src[pos]!)) {
        const d = src[pos]!;
        if (d === "\\") pos += 2;
        else {
          pos++;
          if (d === "[") inClass = true;
          else if (d === "]") inClass = false;
          else if (d === "/" && !inClass) break;
        }
      }
      while (pos < src.length && IDENT_PART.test(src[pos]!)) pos++; // flags
      push(src.slice(start, pos), Kind.Literal);
      continue;
    }
    const num = (c >= "0" && c <= "9") || (c === "." && src[pos + 1]! >= "0" && src[pos + 1]! <= "9") ? NUMBER.exec(src.slice(pos, pos + 400)) : null;
    if (num) {
      pos += num[0].length;
      push(num[0], Kind.Number);
      continue;
    }
    if (IDENT_START.test(c)) {
      pos++;
      while (pos < src.length && IDENT_PART.test(src[pos]!)) pos++;
      push(src.slice(start, pos), Kind.Word);
      continue;
    }
    let p = punctuatorAt(src.slice(pos, pos + 4));
    if (p === "?." && src[pos + 2]! >= "0" && src[pos + 2]! <= "9") p = "?"; // `a?.5:1` is a conditional
    pos += p.length;
    if (p === "(") {
      const prev = tokens[tokens.length - 1];
      parens.push(prev !== undefined && prev.kind === Kind.Word && HEADER_WORDS.has(prev.text));
    } else if (p === ")") lastParenWasHeader = parens.pop() ?? false;
    else if (p === "{") braces.push(false);
    else if (p === "}") braces.pop();
    push(p, Kind.Punct);
  }
  return tokens;
}

/** The longest punctuator at the start of `text`, or its first character. */
function punctuatorAt(text: string): string {
  for (const candidate of PUNCTUATORS) if (text.startsWith(candidate)) return candidate;
  return text[0] ?? "";
}

// a line break after these words (or before ++/--) changes the program (automatic semicolon insertion)
const NO_LINE_BREAK_AFTER = new Set(["return", "throw", "break", "continue", "yield", "async", "let", "await", "get", "set", "static"]);

/** Whether dropping the whitespace between two tokens could make them read differently. */
function gapMatters(prev: Token, next: Token): boolean {
  // a template's "${" and "}" delimit like punctuators
  const joinsAfter = prev.kind !== Kind.Punct && !(prev.kind === Kind.Literal && prev.text.endsWith("${"));
  const joinsBefore = next.kind !== Kind.Punct && !(next.kind === Kind.Literal && next.text.startsWith("}"));
  if (joinsAfter && joinsBefore) return true;
  if (prev.kind === Kind.Number && next.text.startsWith(".")) return true; // `1 .toString()`
  if (prev.kind === Kind.Punct && next.kind === Kind.Punct) return punctuatorAt(prev.text + next.text).length > prev.text.length;
  return false;
}

/**
 * The tokens as one canonical text: comments gone, whitespace kept only where
 * it separates tokens that would otherwise merge, line breaks kept only where
 * they change the program (after `return`, before `++`…), string quotes
 * unified when the string has no escapes, and a trailing comma before a
 * closing bracket dropped.
 */
export function normalizeTokens(tokens: readonly Token[]): string {
  let out = "";
  let prev: Token | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === "," && prev && prev.text !== "," && prev.text !== "[" && prev.text !== "(") {
      const next = tokens[i + 1];
      if (next && (next.text === ")" || next.text === "]" || next.text === "}")) continue;
    }
    if (prev && t.gap > 0) {
      if (t.gap === 2 && ((prev.kind === Kind.Word && NO_LINE_BREAK_AFTER.has(prev.text)) || t.text === "++" || t.text === "--")) out += "\n";
      else if (gapMatters(prev, t)) out += " ";
    }
    out += canonicalLiteral(t);
    prev = t;
  }
  return out;
}

function canonicalLiteral(t: Token): string {
  const q = t.text[0];
  if (t.kind !== Kind.Literal || (q !== '"' && q !== "'") || t.text.includes("\\") || t.text.length < 2 || t.text[t.text.length - 1] !== q) return t.text;
  return JSON.stringify(t.text.slice(1, -1));
}

import { nodeMetaOf } from "./define.js";

// esbuild (inside tsx, tsup, vite, vitest…) renames a symbol of a nested scope
// that has the name of a top-level symbol of its module: `(path) => …` next to
// an import of `path` compiles to `(path2) => …`. Parameter names are
// the graph's edges, so such a name must be read back as written. The compiled
// module is not visible from a function, only the functions are; the evidence
// that `path` is a top-level name is therefore (1) an export of that name, or
// (2) a free use of `path` in the module's functions. esbuild guarantees that no
// nested scope declares a top-level name, so a name declared anywhere in those
// functions is not top-level: that rules out locals and parameters such as `x`
// in `(x1, x2) => …`.

interface ModuleNames {
  readonly used: Set<string>;
  readonly declared: Set<string>;
}

const cache = new WeakMap<object, ModuleNames>();

// strings and comments first (their words are no evidence), then the shapes that declare names
const STRINGS_AND_COMMENTS = /(["'`])(?:\\[\s\S]|(?!\1)[^\\])*\1|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;
const DECLARED = /\b(?:const|let|var|function\*?|class)\s+([\w$]+)|([\w$]+)\s*=>|(?<!\b(?:if|for|while|switch|with)\s*)\(([^()]*)\)\s*(?:=>|\{)|\b(?:const|let|var)\s*[{[]([^=]*)=/g;
const WORD = /(?<![\w$.]|\?\.)[A-Za-z_$][\w$]*(?![\w$]*\s*:(?!:))/g;

/**
 * Names used and names declared in one function's source, by pattern: a
 * declaration counts when it looks like one (`const x`, `x =>`, `(a, b) =>`,
 * `(a) {`, destructuring), which over-counts declarations (in defaults, in
 * method names): that errs towards not undoing a rename.
 */
function scanNames(src: string, into: ModuleNames): void {
  const text = src.replace(STRINGS_AND_COMMENTS, " ");
  for (const m of text.matchAll(DECLARED)) {
    for (const group of m.slice(1)) if (group) for (const w of group.match(/[A-Za-z_$][\w$]*/g) ?? []) into.declared.add(w);
  }
  // keywords count as words too: harmless, no parameter is called `return2`
  for (const [w] of text.matchAll(WORD)) into.used.add(w);
}

function namesOf(exports: Readonly<Record<string, unknown>>): ModuleNames {
  let names = cache.get(exports);
  if (names) return names;
  names = { used: new Set(), declared: new Set() };
  for (const key of Object.keys(exports)) {
    const value = exports[key];
    if (typeof value !== "function") continue;
    const src = Function.prototype.toString.call(nodeMetaOf(value)!.fn); // the user's function, not node()'s wrapper
    if (!/^class\b|\[native code\]\s*\}$/.test(src)) scanNames(src, names);
  }
  cache.set(exports, names);
  return names;
}

function isTopLevel(name: string, exports: Readonly<Record<string, unknown>>, names: ModuleNames): boolean {
  if (Object.prototype.hasOwnProperty.call(exports, name)) return true;
  return names.used.has(name) && !names.declared.has(name) && !(name in globalThis);
}

/** Possible original names of a renamed one, most likely first: `path22` → `path2`, `path`. */
function renameCandidates(param: string): string[] {
  const out: string[] = [];
  for (let i = param.length - 1; i > 0 && param.charCodeAt(i) >= 48 && param.charCodeAt(i) <= 57; i--) {
    // esbuild appends 2, 3, …: no leading zero, never 1
    const digits = param.slice(i);
    if (digits[0] !== "0" && digits !== "1") out.push(param.slice(0, i));
  }
  return out;
}

/** The name a compiler probably renamed `param` from, for messages (`path2` → `path`). */
export function renameBase(param: string): string | undefined {
  const c = renameCandidates(param);
  return c[c.length - 1];
}

/**
 * The names the parameters of `fn` had in the source, when esbuild renamed them
 * to avoid shadowing a top-level name of the module (see the note at the top of
 * this file). `params` are the compiled names, in order. A function that still
 * has a parameter named like a top-level name, or uses the shadowed name itself,
 * was not renamed: plain JavaScript may well say `(model, model2)`. esbuild also
 * renames a parameter that would collide with an earlier renamed one
 * (`(path, path2)` → `(path2, path22)`).
 */
export function undoCompilerRenames(fn: Function, params: readonly string[], exports: Readonly<Record<string, unknown>>): string[] {
  if (!params.some((p) => renameCandidates(p).length > 0)) return [...params];
  const names = namesOf(exports);
  if (params.some((p) => isTopLevel(p, exports, names))) return [...params];
  const own: ModuleNames = { used: new Set(), declared: new Set() };
  scanNames(Function.prototype.toString.call(fn), own);
  const renamed = new Set<string>();
  return params.map((param) => {
    for (const base of renameCandidates(param)) {
      if (own.used.has(base) && !own.declared.has(base)) break; // the function uses the name it would shadow
      if (renamed.has(base) || isTopLevel(base, exports, names)) {
        renamed.add(param);
        return base;
      }
    }
    return param;
  });
}

import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * A problem with what the user asked for (a flag, a module, an input, an
 * output): printed as one line, exit code 2.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type ParsedFlags<T extends Options> = {
  values: ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>["values"];
  positionals: string[];
};

/** `node:util` parseArgs, strict, with its errors turned into one-line UsageErrors. */
export function parseFlags<T extends Options>(command: string, argv: readonly string[], options: T): ParsedFlags<T> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as ParsedFlags<T>;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const msg = (e.message ?? String(error)).split("\n")[0]!;
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) throw new UsageError(`unknown option ${unknown[1]} for "hamilton-ts ${command}" (see hamilton-ts ${command} --help)`);
    throw new UsageError(`${msg.replace(/\. To specify a positional argument.*$/, "")} (see hamilton-ts ${command} --help)`);
  }
}

/** A `k=v` value: JSON when it parses (`3`, `true`, `[1,2]`, `"x"`), else the text itself. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Turn repeated `k=v` flags into an object. */
export function parsePairs(flag: string, pairs: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs ?? []) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new UsageError(`${flag} expects key=value, got "${p}"`);
    out[p.slice(0, eq).trim()] = parseValue(p.slice(eq + 1));
  }
  return out;
}

/** `a,b , c` → ["a", "b", "c"]; repeated flags are joined. */
export function parseList(values: readonly string[] | string | undefined): string[] {
  const list = values === undefined ? [] : typeof values === "string" ? [values] : values;
  return list.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

/** Read a JSON object from a file (for `--inputs`). */
export function readJsonObject(flag: string, file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${file} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${flag}: ${file} must hold a JSON object of name → value`);
  }
  return value as Record<string, unknown>;
}

/** A positive integer flag. */
export function parsePositiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} expects a positive integer, got "${value}"`);
  return n;
}

/** Pick one of a set of choices, or fail naming them. */
export function parseChoice<T extends string>(flag: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${choices.join(", ")}; got "${value}"`);
  return value as T;
}

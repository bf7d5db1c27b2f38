/** The suite's own assertions, so it needs no test framework's `expect`. */

/** A failed check: says what was expected and what came. */
export class SuiteAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SuiteAssertionError";
  }
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v === undefined ? "(undefined)" : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Structural equality of plain data: primitives (with -0 and NaN as `Object.is`), arrays, plain objects. */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

export function checkEqual(actual: unknown, expected: unknown, what: string): void {
  if (!sameData(actual, expected)) throw new SuiteAssertionError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new SuiteAssertionError(message);
}

/** The rejection of `p`, or a failed check if it resolves. */
export async function rejectionOf(p: Promise<unknown>, what: string): Promise<Error & Record<string, unknown>> {
  let value: unknown;
  try {
    value = await p;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new SuiteAssertionError(`${what}: expected the run to fail, it returned ${show(value)}`);
}

/** `p`, or a failed check if it takes longer than `ms` (the suite never hangs). */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SuiteAssertionError(`${what}: did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** A small seeded generator, so a failing random case can be replayed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// Steps that are synchronous until they are not. The cache plans every task
// of every run, and most lookups need no I/O (an in-memory store, values
// already fingerprinted): written as async functions they would cost a
// promise and a microtask per await, per node. Written as generators that
// `yield` what may be a promise, they run to the end synchronously and switch
// to promises only at the first value that really is one.

/** A computation that yields values which may be promises and gets their results back. */
export type Steps<T> = Generator<unknown, T, unknown>;

/** Whether a value is a promise (or any thenable). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as PromiseLike<unknown>).then === "function";
}

/** Run steps: their result synchronously when nothing they yielded was a promise, else a promise of it. */
export function runSteps<T>(steps: Steps<T>): T | Promise<T> {
  let r = steps.next();
  while (!r.done) {
    if (isThenable(r.value)) return continueAsync(steps, r.value);
    r = steps.next(r.value);
  }
  return r.value;
}

async function continueAsync<T>(steps: Steps<T>, pending: PromiseLike<unknown>): Promise<T> {
  let r: IteratorResult<unknown, T>;
  try {
    r = steps.next(await pending);
  } catch (error) {
    r = steps.throw(error);
  }
  while (!r.done) {
    if (!isThenable(r.value)) {
      r = steps.next(r.value);
      continue;
    }
    try {
      r = steps.next(await r.value);
    } catch (error) {
      r = steps.throw(error);
    }
  }
  return r.value;
}

/** Inside steps: `const v = yield* wait(maybePromise)` — the value, typed. */
export function* wait<T>(value: T | PromiseLike<T>): Steps<T> {
  return (yield value) as T;
}

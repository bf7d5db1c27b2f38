import { abortErrorFrom } from "../errors.js";

/**
 * Settle with `p`, or reject with an AbortError as soon as `signal` aborts.
 * The work behind `p` keeps running, unobserved: in-thread code cannot be
 * stopped, only abandoned.
 */
export function raceAbort<T>(p: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortErrorFrom(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortErrorFrom(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(p).then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}

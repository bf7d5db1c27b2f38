// Single flight: a key some task is computing right now is claimed, and any
// other task (of this run or a concurrent one) that needs it waits for the
// claim instead of computing it again.
import { abortErrorFrom } from "../errors.js";

/** A key some task is computing right now; others that need it wait for it. */
export interface Claim {
  readonly runId: string;
  /** Settles when the holder stored the entry (or gave up). */
  readonly done: Promise<void>;
  release(): void;
}

/** Claim `key` for `runId` in the engine's `inflight` map; the run keeps its claims in `held` until released. */
export function claimKey(inflight: Map<string, Claim>, held: Set<Claim>, runId: string, key: string): Claim {
  let settle!: () => void;
  const done = new Promise<void>((resolve) => (settle = resolve));
  const claim: Claim = {
    runId,
    done,
    release: () => {
      if (inflight.get(key) === claim) inflight.delete(key);
      held.delete(claim);
      settle();
    },
  };
  inflight.set(key, claim);
  held.add(claim);
  return claim;
}

/** Wait until a claim settles, or reject with an AbortError when the waiting run is aborted first. */
export function waitForClaim(done: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return done;
  if (signal.aborted) return Promise.reject(abortErrorFrom(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortErrorFrom(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    void done.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

// Shared by the benchmarks: run the functions of a pair (or more) interleaved
// (A, B, A, B, ...) so each sees the same machine load, and report medians.

const now = () => performance.now();
const gc = () => globalThis.gc?.();

/** The median of some numbers. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Run async functions interleaved `reps` times (after one warm-up each); median ms of each. */
export async function sideBySide(reps, fns) {
  for (const fn of fns) await fn();
  const times = fns.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < fns.length; i++) {
      gc();
      const t = now();
      await fns[i]();
      times[i].push(now() - t);
    }
  }
  return times.map(median);
}

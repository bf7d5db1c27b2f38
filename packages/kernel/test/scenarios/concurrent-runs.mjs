import { collect, parallelizable } from "@hamilton-ts/kernel";

// The pipeline of the concurrency suite: each run's values carry its seed, so
// a value (or a hook) that leaks from one run into another shows.
const pause = (ms) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

export function base(seed) {
  return seed * 3;
}
export function tag(seed) {
  return `seed-${seed}`;
}
export const items = parallelizable((n) => Array.from({ length: n }, (_, i) => i));
export async function each(items, base, fail_at, delay_ms) {
  // items finish out of order
  await pause(((items % 3) + 1) * delay_ms);
  if (items === fail_at) throw new Error(`item ${items} failed on purpose`);
  return items + base;
}
export const total = collect("each", (each, seed) => each.reduce((a, b) => a + b, 0) * 1000 + seed);
export function report(total, tag) {
  return `${tag}:${total}`;
}

/** (Not a node: `_` prefix.) What a run of `report` and `tag` returns when it succeeds. */
export function _expectedOf({ seed, n }) {
  const total = (n * (n - 1) / 2 + 3 * seed * n) * 1000 + seed;
  return { report: `seed-${seed}:${total}`, tag: `seed-${seed}` };
}

// CPU-bound map-reduce: each branch spins for `work_ms` of pure computation.
import { parallelizable, collect } from "@hamilton-ts/kernel";

export const items = parallelizable(function* (count) {
  for (let i = 0; i < count; i++) yield i;
});
export function crunched(items, work_ms) {
  // a deterministic hash loop, checked against the clock every 4096 rounds
  const end = performance.now() + work_ms;
  let h = items | 0;
  for (;;) {
    for (let k = 0; k < 4096; k++) h = Math.imul(h ^ (h >>> 15), 2246822507) + k;
    if (performance.now() >= end) return h >>> 0;
  }
}
export const checksum = collect("crunched", (crunched) => crunched.length);

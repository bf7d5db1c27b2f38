import { collect, node, parallelizable } from "@hamilton-ts/kernel";

// The failure, abort, concurrency and timeout scenarios of the executor suite.
// Each branch value carries the run's `tag`, so a value that strayed into
// another run would show.
export const items = parallelizable((count) => Array.from({ length: count }, (_, i) => i));

/** Item `fail_at` throws; item `sleep_at` waits `sleep_ms` (an async wait: the thread stays free). */
export async function tagged(items, tag, fail_at = -1, sleep_at = -1, sleep_ms = 0) {
  if (items === sleep_at) await new Promise((r) => setTimeout(r, sleep_ms));
  else await new Promise((r) => setTimeout(r, 1));
  if (items === fail_at) throw new RangeError(`tagged failed on ${tag}:${items}`);
  return `${tag}:${items}`;
}
export const joined = collect("tagged", (tagged) => tagged.join(","));

/** The same, synchronous and quick: thousands of such branches are what item batches are for. Item `fail_at` throws. */
export function quick(items, tag, fail_at = -1) {
  if (items === fail_at) throw new RangeError(`quick failed on ${tag}:${items}`);
  return `${tag}:${items}`;
}
export const quick_joined = collect("quick", (quick) => quick.join(","));

/** Item `stuck_at` loops forever, synchronously: only stopping its worker ends it. */
export const stuck = node(
  (items, stuck_at) => {
    if (items === stuck_at) for (;;);
    return items;
  },
  { deps: ["items", "stuck_at"], timeoutMs: 1000 },
);
export const unstuck = collect("stuck", (stuck) => stuck.length);

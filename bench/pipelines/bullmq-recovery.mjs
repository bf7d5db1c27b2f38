// BullMQ recovery benchmark: branches that keep a worker busy for `busy_ms`, and one that never ends.
import { collect, node, parallelizable } from "@hamilton-ts/kernel";

export const items = parallelizable((n) => Array.from({ length: n }, (_, i) => i));
export async function busy(items, busy_ms) {
  await new Promise((r) => setTimeout(r, busy_ms));
  return items;
}
export const all_busy = collect("busy", (busy) => busy);
export const endless = node(
  (items) => {
    for (;;);
  },
  { deps: ["items"], timeoutMs: 1000 },
);
export const all_endless = collect("endless", (endless) => endless);

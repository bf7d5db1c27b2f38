// BullMQ throughput benchmark: n trivial branch tasks, collected.
import { collect, parallelizable } from "@hamilton-ts/kernel";

export const items = parallelizable((n) => Array.from({ length: n }, (_, i) => i));
export function plus_one(items) {
  return items + 1;
}
export const total = collect("plus_one", (plus_one) => plus_one.reduce((a, b) => a + b, 0));

// BullMQ CPU benchmark: n branches of a fixed amount of arithmetic (calibrated to ~200 ms), collected.
import { collect, parallelizable } from "@hamilton-ts/kernel";

export function _burn(iterations, seed) {
  // int32 arithmetic: the same machine code in every process, whatever the JIT saw first.
  let x = (seed + 1) | 0;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x >>> 0;
}
export const chunks = parallelizable((n) => Array.from({ length: n }, (_, i) => i));
export function burned(chunks, iterations) {
  return _burn(iterations, chunks);
}
export const checksum = collect("burned", (burned) => burned.reduce((a, b) => (a + b) % 4294967296, 0));

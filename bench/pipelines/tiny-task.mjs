// One tiny branch: the round-trip latency of a single task.
import { parallelizable, collect } from "@hamilton-ts/kernel";

export const one = parallelizable((x) => [x]);
export function bumped(one) {
  return one + 1;
}
export const result = collect("bumped", (bumped) => bumped[0]);

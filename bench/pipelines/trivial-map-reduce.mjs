// Many trivial branches: measures per-task overhead, not work.
import { parallelizable, collect } from "@hamilton-ts/kernel";

export const items = parallelizable(function* (count) {
  for (let i = 0; i < count; i++) yield i;
});
export function doubled(items) {
  return items * 2;
}
export const total = collect("doubled", (doubled) => {
  let s = 0;
  for (const v of doubled) s += v;
  return s;
});

import { parallelizable, collect } from "@hamilton-ts/kernel";

// Hamilton's map-reduce: a value external to the block (multiplier), an input
// used in the collect node (offset), an expander that is a generator.
export function multiplier(base) {
  return base * 2;
}
export const steps = parallelizable(function* (number_of_steps) {
  for (let i = 0; i < number_of_steps; i++) yield i;
});
export function step_squared(steps) {
  return steps ** 2;
}
export function step_scaled(step_squared, multiplier) {
  return step_squared * multiplier;
}
export const total = collect("step_scaled", (step_scaled, offset = 0) => step_scaled.reduce((s, v) => s + v, offset));
export function after_total(total, multiplier) {
  return total - multiplier;
}

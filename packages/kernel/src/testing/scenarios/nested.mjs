import { parallelizable, collect } from "@hamilton-ts/kernel";

// Nested parallel blocks: an inner parallelizable inside each outer branch,
// collected inside that branch; plus a function collecting two parameters.
export const groups = parallelizable((group_sizes) => group_sizes);
export function group_offset(groups) {
  return groups * 100;
}
export const members = parallelizable(function* (groups) {
  for (let i = 0; i < groups; i++) yield i;
});
export function member_value(members, group_offset) {
  return group_offset + members;
}
export const group_sum = collect("member_value", (member_value) => member_value.reduce((a, b) => a + b, 0));
export function group_label(groups, group_sum) {
  return `${groups}:${group_sum}`;
}
export const report = collect(["group_sum", "group_label"], (group_sum, group_label) => ({
  sums: group_sum,
  labels: group_label,
}));
export const grand_total = collect("group_sum", (group_sum) => group_sum.reduce((a, b) => a + b, 0));

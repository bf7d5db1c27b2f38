import { parallelizable, collect, configWhen } from "@hamilton-ts/kernel";

// An expander that yields nothing; collecting the expander's own items; a
// collect with several other (non-repeated) arguments; configWhen variants;
// two blocks in sequence.
export const nothing = parallelizable(() => []);
export function doubled_nothing(nothing) {
  return nothing * 2;
}
export const empty_collected = collect("doubled_nothing", (doubled_nothing) => ({ count: doubled_nothing.length, items: doubled_nothing }));

export const letters = parallelizable((word) => word.split(""));
export const letters_seen = collect("letters", (letters) => letters.join("-"));

export function prefix(word) {
  return `[${word}]`;
}
export function suffix(prefix) {
  return `${prefix}!`;
}
export function letter_code(letters) {
  return letters.charCodeAt(0);
}
export const summary = collect("letter_code", (prefix, letter_code, suffix, word) => `${prefix}${letter_code.join(".")}${suffix}${word.length}`);

export const mode__fast = configWhen({ mode: "fast" }, () => "fast-path");
export const mode__slow = configWhen((cfg) => cfg.mode !== "fast", () => "slow-path");

export const firsts = parallelizable((summary_count) => Array.from({ length: summary_count }, (_, i) => i + 1));
export function first_sq(firsts) {
  return firsts * firsts;
}
export const first_list = collect("first_sq", (first_sq) => first_sq);
export const seconds = parallelizable((first_list) => first_list);
export function second_neg(seconds) {
  return -seconds;
}
export const second_sum = collect("second_neg", (second_neg) => second_neg.reduce((a, b) => a + b, 0));

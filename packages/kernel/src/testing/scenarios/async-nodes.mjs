import { parallelizable, collect } from "@hamilton-ts/kernel";

// Async nodes, an AsyncIterable expander, and the item order kept in collect.
export const urls = parallelizable(async function* (count) {
  for (let i = 0; i < count; i++) {
    await new Promise((r) => setTimeout(r, 1));
    yield `doc-${i}`;
  }
});
export async function fetched(urls) {
  // later items finish first: collect must still keep item order
  const n = Number(urls.slice(4));
  await new Promise((r) => setTimeout(r, (5 - (n % 5)) * 2));
  return urls.toUpperCase();
}
export const all_fetched = collect("fetched", (fetched) => fetched.join(","));

// Linear and diamond graphs, optional inputs, async nodes.
export function a(x) {
  return x + 1;
}
export function b(a) {
  return a * 2;
}
export function c(a, scale = 10) {
  return a * scale;
}
export function d(b, c) {
  return b + c;
}
export async function slow_double(d) {
  await new Promise((r) => setTimeout(r, 2));
  return d * 2;
}
export const _private_helper = () => 1;
export const not_a_node = 42;

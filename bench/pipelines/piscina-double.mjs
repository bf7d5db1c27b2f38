// The hand-batched floor of the trivial-items benchmark: one piscina task doubles a chunk of items.
export default function double(items) {
  const out = new Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = items[i] * 2;
  return out;
}

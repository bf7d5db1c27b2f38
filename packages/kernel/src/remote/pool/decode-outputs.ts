import { decodeValue, decodeValueAsync, missingCodecModules } from "../../codec/codec-registry.js";

/**
 * A task's outputs from a results message (its values start at `at`),
 * decoded: synchronously in the common case, through a promise when a value
 * needs a codec this process has not registered yet (its module is imported
 * first). Throws (or rejects) when a value cannot be decoded.
 */
export function decodeOutputs(names: readonly string[], values: readonly unknown[], at: number): Record<string, unknown> | Promise<Record<string, unknown>> {
  if (names.length === 1) {
    const v = values[at];
    if (v === null || typeof v !== "object") return { [names[0]!]: v };
  }
  const out: Record<string, unknown> = {};
  for (let k = 0; k < names.length; k++) {
    const v = values[at + k];
    if (v !== null && typeof v === "object") {
      if (missingCodecModules(v).length > 0) return decodeAll(names, values, at);
      out[names[k]!] = decodeValue(v);
    } else out[names[k]!] = v;
  }
  return out;
}

async function decodeAll(names: readonly string[], values: readonly unknown[], at: number): Promise<Record<string, unknown>> {
  const decoded = await Promise.all(names.map((_n, k) => decodeValueAsync(values[at + k])));
  const out: Record<string, unknown> = {};
  for (let k = 0; k < names.length; k++) out[names[k]!] = decoded[k];
  return out;
}

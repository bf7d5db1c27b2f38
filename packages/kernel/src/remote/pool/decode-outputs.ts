import { decodeValue } from "../../codec/decode-value.js";
import { defineOwn, isEnvelope } from "../../codec/wire-format.js";
import type { CodecModules } from "../codec-modules.js";

/**
 * A task's outputs from a results message (its values start at `at`),
 * decoded: synchronously in the common case, through a promise when a value
 * needs a codec this side has not registered yet (its module, if on the
 * allow-list, is imported first). Throws (or rejects) with a
 * SerializationError naming the node when a value cannot be decoded.
 */
export function decodeOutputs(
  names: readonly string[],
  values: readonly unknown[],
  at: number,
  codecs: CodecModules,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (let k = 0; k < names.length; k++) {
    const wire = values[at + k];
    if (wire === null || typeof wire !== "object") {
      defineOwn(out, names[k]!, wire);
      continue;
    }
    if (isEnvelope(wire) && codecs.needsImport(wire)) return decodeAll(names, values, at, codecs);
    defineOwn(out, names[k]!, decodeValue(wire, { nodeName: names[k], single: true }));
  }
  return out;
}

async function decodeAll(names: readonly string[], values: readonly unknown[], at: number, codecs: CodecModules): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (let k = 0; k < names.length; k++) {
    const wire = values[at + k];
    const options = { nodeName: names[k], single: true };
    defineOwn(out, names[k]!, isEnvelope(wire) && codecs.needsImport(wire) ? await codecs.decode(wire, options) : decodeValue(wire, options));
  }
  return out;
}

import { decodeValue } from "../../codec/decode-value.js";
import { isEnvelope } from "../../codec/wire-format.js";
import type { CodecModules } from "../codec-modules.js";

/**
 * A task's outputs from a results message (its values start at `at`),
 * decoded: synchronously in the common case, through a promise when a value
 * needs a codec this side has not registered yet (its module, if on the
 * allow-list, is imported first). Throws (or rejects) with a
 * SerializationError naming the node when a value cannot be decoded. Every
 * name is an own key (`__proto__` and `constructor` included).
 */
export function decodeOutputs(
  names: readonly string[],
  values: readonly unknown[],
  at: number,
  codecs: CodecModules,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  const out = recordFor(names);
  for (let k = 0; k < names.length; k++) {
    const wire = values[at + k];
    if (wire === null || typeof wire !== "object") {
      out[names[k]!] = wire;
      continue;
    }
    if (isEnvelope(wire) && codecs.needsImport(wire)) return decodeAll(names, values, at, codecs);
    out[names[k]!] = decodeValue(wire, { nodeName: names[k], single: true });
  }
  return out;
}

/**
 * A record to hold these outputs: a plain object, or one without prototype
 * when a name would meet Object.prototype's `__proto__` setter (plain objects
 * with a few fixed keys are several times smaller than prototype-less ones).
 */
function recordFor(names: readonly string[]): Record<string, unknown> {
  for (let k = 0; k < names.length; k++) if (names[k] === "__proto__") return Object.create(null) as Record<string, unknown>;
  return {};
}

async function decodeAll(names: readonly string[], values: readonly unknown[], at: number, codecs: CodecModules): Promise<Record<string, unknown>> {
  const out = recordFor(names);
  for (let k = 0; k < names.length; k++) {
    const wire = values[at + k];
    const options = { nodeName: names[k], single: true };
    out[names[k]!] = isEnvelope(wire) && codecs.needsImport(wire) ? await codecs.decode(wire, options) : decodeValue(wire, options);
  }
  return out;
}

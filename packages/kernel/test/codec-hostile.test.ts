import fc from "fast-check";
import { deserialize, serialize } from "node:v8";
import { describe, expect, test } from "vitest";
import { SerializationError } from "../src/index.js";
import { decodeValue, decodeValueAsync, encodeValue } from "../src/remote.js";
import { deepCase, expectArrivedEqual, hostileCase, wasPwned, type HostileCase } from "./hostile-values.js";

// The hostile-values property suite: through encode → structured clone or
// v8 serialize/deserialize → decode, a value arrives equal (and shared where it
// was), or encoding refuses it with a SerializationError naming the node; never
// a hang, a crash, an import or a silent change. Bounded in time for CI.

const crossings: Record<string, (wire: unknown) => unknown> = {
  "structured clone (threads)": (wire) => structuredClone(wire),
  "v8 serialization (processes, BullMQ)": (wire) => deserialize(serialize(wire)),
};

function check(c: HostileCase, cross: (wire: unknown) => unknown, sharedMemory: boolean): unknown {
  let wire: unknown;
  try {
    wire = encodeValue(c.value, { nodeName: "hostile", sharedMemory }).value;
  } catch (error) {
    expect(SerializationError.isInstance(error), String(error)).toBe(true);
    expect((error as SerializationError).nodeName).toBe("hostile");
    if (!c.refused) throw error;
    expect((error as Error).message).toMatch(c.refused);
    return undefined;
  }
  expect(c.refused, "a value that cannot cross was let through").toBeUndefined();
  const back = decodeValue(cross(wire));
  expectArrivedEqual(c.value, back);
  return wire;
}

describe("hostile values", () => {
  for (const [name, cross] of Object.entries(crossings)) {
    test(`arrive equal through ${name}, or are refused with a SerializationError naming the node`, async () => {
      const sharedMemory = name.startsWith("structured");
      fc.assert(
        fc.property(fc.oneof({ weight: 6, arbitrary: hostileCase }, { weight: 1, arbitrary: deepCase }), (c) => void check(c, cross, sharedMemory)),
        { numRuns: 250, interruptAfterTimeLimit: 15_000 },
      );
      // the async decoder (the one that imports codec modules) takes the same values and imports nothing
      await fc.assert(
        fc.asyncProperty(hostileCase, async (c) => {
          let wire: unknown;
          try {
            wire = encodeValue(c.value, { nodeName: "hostile", sharedMemory }).value;
          } catch {
            return;
          }
          expectArrivedEqual(c.value, await decodeValueAsync(cross(wire)));
        }),
        { numRuns: 60, interruptAfterTimeLimit: 5_000 },
      );
      expect(wasPwned()).toBe(false);
    });
  }
});

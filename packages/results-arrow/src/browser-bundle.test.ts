import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("the main entry", () => {
  it("bundles for browsers with no node: import (the file helpers live in ./file)", async () => {
    const result = await build({
      entryPoints: [new URL("./index.ts", import.meta.url).pathname],
      bundle: true,
      platform: "browser",
      format: "esm",
      conditions: ["hamilton-ts:source"],
      write: false,
      logLevel: "silent",
    });
    const text = result.outputFiles[0].text;
    expect(text).not.toMatch(/from\s*["']node:|require\(["']node:/);
    expect(text).toContain("apache-arrow/table");
  });
});

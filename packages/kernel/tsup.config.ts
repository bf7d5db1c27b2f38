import { cp } from "node:fs/promises";
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/contracts.ts", "src/remote.ts", "src/cache.ts", "src/testing.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // the testing entry's scenario modules are imported by workers by location: ship them as they are
  async onSuccess() {
    await cp("src/testing/scenarios", "dist/scenarios", { recursive: true });
  },
});

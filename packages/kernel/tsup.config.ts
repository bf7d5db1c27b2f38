import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/contracts.ts", "src/remote.ts", "src/cache.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});

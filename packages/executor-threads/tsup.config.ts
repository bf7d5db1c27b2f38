import { defineConfig } from "tsup";

export default defineConfig({
  // worker.ts is the worker thread's entry point; the executor finds dist/worker.js next to itself
  entry: ["src/index.ts", "src/worker.ts"],
  format: ["esm", "cjs"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "es2022",
  shims: true,
  external: ["@hamilton-ts/kernel"],
});

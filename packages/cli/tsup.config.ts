import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
  },
  {
    // the `hamilton-ts` command: ESM only, executable
    entry: { bin: "src/bin.ts" },
    format: ["esm"],
    sourcemap: true,
    clean: false,
    target: "es2022",
    banner: { js: "#!/usr/bin/env node" },
  },
]);

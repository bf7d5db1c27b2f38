import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "bullmq/index": "src/bullmq/index.ts",
    "process/child": "src/process/child-main.ts",
    // the BullMQ worker's threads: executor-threads' thread transport is bundled in (no runtime
    // dependency on that package), and it looks for its worker script next to itself
    "bullmq/worker": "../executor-threads/src/worker.ts",
  },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts", "bullmq/index": "src/bullmq/index.ts" } },
  sourcemap: true,
  clean: true,
  target: "es2022",
  external: ["@hamilton-ts/kernel"],
  noExternal: ["@hamilton-ts/executor-threads"],
  // the bundled thread transport finds its worker script through import.meta.url: give the CJS build one
  // (tsup's own shims would also redefine __filename in the ESM build, which child-script.ts relies on being absent)
  esbuildOptions(options, { format }) {
    if (format !== "cjs") return;
    options.define = { ...options.define, "import.meta.url": "__hamiltonImportMetaUrl" };
    options.banner = { ...options.banner, js: `const __hamiltonImportMetaUrl = require("node:url").pathToFileURL(__filename).href;` };
  },
});

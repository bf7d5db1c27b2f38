import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "bullmq/index": "src/bullmq/index.ts", "process/child": "src/process/child-main.ts", "bullmq/task-thread": "src/bullmq/task-thread.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});

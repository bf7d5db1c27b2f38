import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*.test.ts"],
    globalSetup: ["./lib/pack.ts"],
    // installs dominate: two at a time keep both cores busy while one waits on the network
    maxWorkers: 2,
    fileParallelism: true,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
